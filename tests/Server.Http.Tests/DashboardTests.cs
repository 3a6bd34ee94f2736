using System.Text.Json;
using System.Text.RegularExpressions;
using Omnibus.Conformance;
using Xunit.Abstractions;

namespace Omnibus.Server.Http.Tests;

/// <summary>The dashboard in headless Chromium against a server whose topics, groups and dead letters are populated.</summary>
public sealed partial class DashboardTests
{
    private const string Token = "dashboard-token";
    private static readonly TimeSpan VirtualTime = TimeSpan.FromSeconds(5);
    private readonly ITestOutputHelper _output;

    public DashboardTests(ITestOutputHelper output) => _output = output;

    [ChromiumFact]
    public async Task Dashboard_InChromium_ShowsLiveTopicsGroupsRateAndDeadLetters()
    {
        await using var server = await TestServer.StartAsync(options => options.Tokens[Token] = TokenGrant.All);
        using var api = server.ClientWith(Token);
        await PopulateAsync(server, api);
        using var stop = new CancellationTokenSource();
        var publisher = Publisher.RunAsync(server.Broker, "clicks", stop.Token);
        try
        {
            await api.WaitForAsync("/v1/topics", t => t.RateOf("clicks") > 0, "a nonzero rate on clicks");
            // The chart draws its line from two points of the throughput history (a point needs two samples).
            await api.WaitForAsync("/v1/throughput", t => t.GetProperty("points").GetArrayLength() >= 2, "two throughput points for the chart line");
            var topics = await api.GetJsonAsync("/v1/topics");
            var groups = await api.GetJsonAsync("/v1/groups");
            var url = new Uri(server.Address, $"/?token={Token}");

            var dom = await Chromium.DumpDomAsync(url, VirtualTime);

            Assert.Equal("ok", Attribute(dom, "div", "id=\"status\"", "data-state"));
            Assert.True(int.Parse(Attribute(dom, "body", "", "data-polls")) >= 1);
            foreach (var name in new[] { "orders", "orders.dlq", "clicks" })
            {
                Assert.Equal(name, Cell(Row(dom, "data-topic", name), "name"));
            }

            Assert.Equal(topics.Find("name", "orders").GetProperty("messages").GetInt64().ToString(), Cell(Row(dom, "data-topic", "orders"), "stored"));
            Assert.True(double.Parse(Cell(Row(dom, "data-topic", "clicks"), "rate")) > 0, "clicks shows a zero rate");
            Assert.True(double.Parse(Attribute(dom, "span", "id=\"rate-now\"", "data-rate")) > 0, "the chart's current rate is zero");
            Assert.Matches(PolylineWithPoints(), dom);
            foreach (var group in groups.EnumerateArray())
            {
                var row = Row(dom, "data-group", $"{group.GetProperty("topic").GetString()}/{group.GetProperty("group").GetString()}");
                var lag = group.GetProperty("lag").GetInt64();
                if (group.GetProperty("topic").GetString() == "clicks")
                {
                    // Still being published to: the page, read later, shows at least the lag the API gave before.
                    Assert.True(long.Parse(Cell(row, "lag")) >= lag, $"clicks/analytics lag {Cell(row, "lag")} < {lag}");
                }
                else
                {
                    Assert.Equal(lag.ToString(), Cell(row, "lag"));
                }

                Assert.Equal(group.GetProperty("deadLettered").GetInt64().ToString(), Cell(row, "dead-lettered"));
            }

            Assert.Equal("3", Cell(Row(dom, "data-group", "orders/billing"), "lag"));
            Assert.Equal("2", Cell(Row(dom, "data-group", "orders/billing"), "dead-lettered"));
            var deadLetters = Section(dom, "orders.dlq");
            Assert.Equal(["card declined for order 1", "card declined for order 4"], Cells(deadLetters, "error-message"));
            Assert.Equal(["System.InvalidOperationException", "System.InvalidOperationException"], Cells(deadLetters, "error-type"));

            var png = Path.Combine(AppContext.BaseDirectory, "dashboard.png");
            File.Delete(png);
            await Chromium.ScreenshotAsync(url, VirtualTime, png);
            _output.WriteLine($"Dashboard screenshot: {png}");
            Assert.True(new FileInfo(png).Length > 20_000, $"the screenshot is only {new FileInfo(png).Length} bytes");
        }
        finally
        {
            await stop.CancelAsync();
            await publisher;
        }
    }

    [ChromiumFact]
    public async Task Dashboard_InChromiumWithoutToken_ShowsWhatIsMissing()
    {
        await using var server = await TestServer.StartAsync(options => options.Tokens[Token] = TokenGrant.All);

        var dom = await Chromium.DumpDomAsync(server.Address, VirtualTime);

        Assert.Equal("error", Attribute(dom, "div", "id=\"status\"", "data-state"));
        Assert.Contains("A token is required", dom);
    }

    /// <summary>orders: 8 published, group billing dead-letters orders 1 and 4, acknowledges the rest, then 3 more arrive (lag 3).</summary>
    private static async Task PopulateAsync(TestServer server, HttpClient api)
    {
        var settled = new Recorder<string>();
        await using (await server.Broker.SubscribeAsync(new SubscriptionOptions("orders", "billing") { MaxDeliveryAttempts = 1 }, (m, _) =>
        {
            settled.Add(m.GetString());
            return m.GetString() is "order 1" or "order 4" ? throw new InvalidOperationException($"card declined for {m.GetString()}") : default;
        }))
        {
            for (var i = 0; i < 5; i++)
            {
                await api.PublishAsync("orders", $"order {i}", key: $"customer-{i}");
            }

            await settled.WaitForCountAsync(5, TestServer.Timeout);
            await api.WaitForAsync("/v1/groups?topic=orders", g => g.FindGroup("orders", "billing").GetProperty("lag").GetInt64() == 0
                && g.FindGroup("orders", "billing").GetProperty("deadLettered").GetInt64() == 2, "billing to settle, with 2 dead letters");
        }

        for (var i = 5; i < 8; i++)
        {
            await api.PublishAsync("orders", $"order {i}");
        }

        await using (await server.Broker.SubscribeAsync(new SubscriptionOptions("clicks", "analytics"), (_, _) => default))
        {
        }
    }

    private static string Row(string dom, string attribute, string value)
    {
        var match = Regex.Match(dom, $"<tr[^>]*{attribute}=\"{Regex.Escape(value)}\"[^>]*>(.*?)</tr>", RegexOptions.Singleline);
        Assert.True(match.Success, $"no row with {attribute}=\"{value}\" in the dashboard");
        return match.Groups[1].Value;
    }

    private static string Cell(string row, string column) => Cells(row, column).Single();

    private static List<string> Cells(string html, string column) =>
        [.. Regex.Matches(html, $"<td[^>]*data-col=\"{column}\"[^>]*>(.*?)</td>", RegexOptions.Singleline).Select(m => System.Net.WebUtility.HtmlDecode(m.Groups[1].Value))];

    private static string Section(string dom, string deadLetterTopic)
    {
        var match = Regex.Match(dom, $"<section data-dlq=\"{Regex.Escape(deadLetterTopic)}\">(.*?)</section>", RegexOptions.Singleline);
        Assert.True(match.Success, $"no dead-letter section for {deadLetterTopic}");
        return match.Groups[1].Value;
    }

    private static string Attribute(string dom, string element, string marker, string attribute)
    {
        var match = Regex.Match(dom, $"<{element}[^>]*{marker}[^>]*>");
        Assert.True(match.Success, $"no <{element} {marker}> in the dashboard");
        var value = Regex.Match(match.Value, $"{attribute}=\"([^\"]*)\"");
        Assert.True(value.Success, $"<{element} {marker}> has no {attribute}: {match.Value}");
        return value.Groups[1].Value;
    }

    [GeneratedRegex("<polyline[^>]*id=\"chart-line\"[^>]*points=\"[0-9., ]+\"")]
    private static partial Regex PolylineWithPoints();
}
