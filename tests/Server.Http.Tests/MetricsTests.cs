using System.Globalization;
using System.Text.RegularExpressions;
using Omnibus.Conformance;

namespace Omnibus.Server.Http.Tests;

public sealed partial class MetricsTests
{
    [Fact]
    public async Task Metrics_AfterPublishAndConsume_ParseAndCarryTheNumbers()
    {
        await using var server = await TestServer.StartAsync();
        var handled = new Recorder<Message>();
        await using (await server.Broker.SubscribeAsync(new SubscriptionOptions("m1", "g1"), (m, _) => { handled.Add(m); return default; }))
        {
            await server.Client.PublishAsync("m1", "a");
            await handled.WaitForCountAsync(1, TestServer.Timeout);
            await server.Client.WaitForAsync("/v1/groups", g => g.FindGroup("m1", "g1").GetProperty("lag").GetInt64() == 0, "g1 to settle");
        }

        for (var i = 0; i < 4; i++)
        {
            await server.Client.PublishAsync("m1", "b");
        }

        await server.Client.PublishAsync("m.2", "c");
        var response = await server.Client.GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        var samples = Parse(text);
        Assert.Equal(5, samples[("omnibus_topic_published_total", "topic=\"m1\"")]);
        Assert.Equal(5, samples[("omnibus_topic_messages", "topic=\"m1\"")]);
        Assert.Equal(1, samples[("omnibus_topic_published_total", "topic=\"m.2\"")]);
        Assert.True(samples[("omnibus_topic_bytes", "topic=\"m1\"")] > 0);
        Assert.Equal(4, samples[("omnibus_group_lag", "topic=\"m1\",group=\"g1\"")]);
        Assert.Equal(0, samples[("omnibus_group_in_flight", "topic=\"m1\",group=\"g1\"")]);
        Assert.Equal(0, samples[("omnibus_group_dead_lettered", "topic=\"m1\",group=\"g1\"")]);
        Assert.Equal(0, samples[("omnibus_server_connections", "")]);
        Assert.Equal(0, samples[("omnibus_server_rejected_total", "")]);
        Assert.True(samples[("process_resident_memory_bytes", "")] > 10_000_000);
    }

    [Fact]
    public void PrometheusText_LabelAndHelpEscaping_FollowsTheFormat()
    {
        var text = new PrometheusText();

        text.Family("x_total", "counter", "Back\\slash and\nnewline.");
        text.Sample("x_total", 3, ("a", "q\"uote"), ("b", "back\\slash\nline"));

        Assert.Equal("# HELP x_total Back\\\\slash and\\nnewline.\n# TYPE x_total counter\nx_total{a=\"q\\\"uote\",b=\"back\\\\slash\\nline\"} 3\n", text.ToString());
    }

    /// <summary>Parses the exposition format strictly: every sample belongs to a family announced by HELP then TYPE.</summary>
    private static Dictionary<(string Name, string Labels), double> Parse(string text)
    {
        Assert.EndsWith("\n", text);
        var samples = new Dictionary<(string, string), double>();
        var helped = new HashSet<string>();
        var typed = new Dictionary<string, string>();
        foreach (var line in text.TrimEnd('\n').Split('\n'))
        {
            if (HelpLine().Match(line) is { Success: true } help)
            {
                Assert.True(helped.Add(help.Groups[1].Value), $"HELP twice for {help.Groups[1].Value}");
                continue;
            }

            if (TypeLine().Match(line) is { Success: true } type)
            {
                Assert.Contains(type.Groups[1].Value, helped);
                Assert.True(typed.TryAdd(type.Groups[1].Value, type.Groups[2].Value), $"TYPE twice for {type.Groups[1].Value}");
                continue;
            }

            var sample = SampleLine().Match(line);
            Assert.True(sample.Success, $"not a sample line: '{line}'");
            var name = sample.Groups[1].Value;
            Assert.True(typed.ContainsKey(name), $"sample of {name} before its TYPE line");
            Assert.True(typed[name] != "counter" || name.EndsWith("_total", StringComparison.Ordinal), $"counter {name} does not end in _total");
            samples.Add((name, sample.Groups[2].Value), double.Parse(sample.Groups[3].Value, CultureInfo.InvariantCulture));
        }

        return samples;
    }

    [GeneratedRegex(@"^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .+$")]
    private static partial Regex HelpLine();

    [GeneratedRegex(@"^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$")]
    private static partial Regex TypeLine();

    [GeneratedRegex(@"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{((?:[a-zA-Z_][a-zA-Z0-9_]*=""(?:[^""\\\n]|\\[\\""n])*"",?)*)\})? (-?[0-9.eE+]+|NaN|\+Inf|-Inf)$")]
    private static partial Regex SampleLine();
}
