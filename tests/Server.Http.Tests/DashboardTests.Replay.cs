using Omnibus.Conformance;

namespace Omnibus.Server.Http.Tests;

/// <summary>The dashboard's dead-letter replay and layout, clicked in headless Chromium over the DevTools protocol.</summary>
public sealed partial class DashboardTests
{
    [ChromiumFact]
    public async Task Dashboard_ReplayButton_AsksFirst_ThenReplaysWhatWaitsBackToTheTopic()
    {
        await using var server = await TestServer.StartAsync(options => options.Tokens[Token] = TokenGrant.All);
        using var api = server.ClientWith(Token);
        await PopulateAsync(server, api);
        var published = (await api.GetJsonAsync("/v1/topics")).Find("name", "orders").GetProperty("published").GetInt64();
        await using var page = await ChromiumPage.OpenAsync();
        await page.NavigateAsync(new Uri(server.Address, $"/?token={Token}"));
        const string Button = "document.querySelector('button[data-replay=\"orders\"]')";
        await page.WaitUntilAsync($"{Button} !== null && {Button}.dataset.waiting === '2' && !{Button}.disabled", "an enabled replay button for 2 dead letters of orders");

        // Cancel: nothing moves.
        page.AcceptDialogs = false;
        await page.EvaluateAsync($"{Button}.click()");
        Assert.Equal("Replay 2 dead letters of orders.dlq back to orders? Each is published to orders again (without its error headers), then acknowledged in orders.dlq.", Assert.Single(page.Dialogs));
        Assert.Equal("idle", (string?)await page.EvaluateAsync("document.getElementById('replay-status').dataset.state"));

        // OK: the two dead letters go back to orders, through the same replay as 'omnibus dlq replay'.
        page.AcceptDialogs = true;
        await page.EvaluateAsync($"{Button}.click()");
        await page.WaitUntilAsync("document.getElementById('replay-status').dataset.state === 'ok'", "the replay's result");

        Assert.Equal(2, page.Dialogs.Count);
        Assert.Equal("replayed 2 messages from orders.dlq to orders", (string?)await page.EvaluateAsync("document.getElementById('replay-status').textContent"));
        var orders = (await api.GetJsonAsync("/v1/topics")).Find("name", "orders");
        Assert.Equal(published + 2, orders.GetProperty("published").GetInt64());
        var replayed = await api.GetJsonAsync("/v1/topics/orders/messages?max=20");
        Assert.Equal(["order 1", "order 4"], replayed.EnumerateArray().TakeLast(2).Select(m => m.GetProperty("body").GetString()));
        await page.WaitUntilAsync($"{Button}.dataset.waiting === '0' && {Button}.disabled", "the button disabled with nothing left to replay");
    }

    [ChromiumFact]
    public async Task Dashboard_LongDeadLetterError_StaysWithinThePageWidth()
    {
        await using var server = await TestServer.StartAsync();
        var failure = "no route to the warehouse: " + new string('w', 600); // one word: wraps only where the page allows breaking anywhere
        var settled = new Recorder<string>();
        await using (await server.Broker.SubscribeAsync(new SubscriptionOptions("stock", "sync") { MaxDeliveryAttempts = 1 }, (m, _) =>
        {
            settled.Add(m.GetString());
            throw new InvalidOperationException(failure);
        }))
        {
            await server.Client.PublishAsync("stock", new string('x', 400));
            await settled.WaitForCountAsync(1, TestServer.Timeout);
            await server.Client.WaitForAsync("/v1/topics", t => t.TryFind("name", "stock.dlq")?.GetProperty("messages").GetInt64() == 1, "the dead letter");
        }

        await using var page = await ChromiumPage.OpenAsync();
        await page.NavigateAsync(server.Address);
        await page.WaitUntilAsync("document.querySelector('section[data-dlq=\"stock.dlq\"] td[data-col=\"error-message\"]') !== null", "the dead letter's row");

        var widths = await page.EvaluateAsync("[document.documentElement.scrollWidth, window.innerWidth]");
        Assert.True(widths![0]!.GetValue<int>() <= widths[1]!.GetValue<int>(), $"the page is {widths[0]} px wide in a {widths[1]} px window");
    }
}
