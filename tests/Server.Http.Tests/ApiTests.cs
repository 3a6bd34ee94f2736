using System.Net;
using System.Text;
using Omnibus.Conformance;

namespace Omnibus.Server.Http.Tests;

public sealed class ApiTests
{
    [Fact]
    public async Task Health_PortZero_ReportsTheBoundPortAndOk()
    {
        await using var server = await TestServer.StartAsync();

        Assert.NotEqual(0, server.Address.Port);
        Assert.Equal("http", server.Address.Scheme);
        var health = await server.Client.GetJsonAsync("/health");
        Assert.Equal("ok", health.GetProperty("status").GetString());
        Assert.Equal("embedded", health.GetProperty("driver").GetString());
    }

    [Fact]
    public async Task Publish_ThenPeek_ShowsBodyKeyHeadersAndContentType()
    {
        await using var server = await TestServer.StartAsync();
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/topics/orders/messages?key=customer-42")
        {
            Content = new StringContent("""{"orderId":"A17"}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Omnibus-Header-tenant", "t1");
        var id = (await (await server.Client.SendAsync(request)).JsonAsync(HttpStatusCode.Accepted)).GetProperty("id").GetString();
        var binary = new ByteArrayContent([0xff, 0xfe, 0x00, 0x01]);
        binary.Headers.Add("X-Omnibus-Key", "bin");
        await (await server.Client.PostAsync("/v1/topics/orders/messages", binary)).JsonAsync(HttpStatusCode.Accepted);

        var peeked = await server.Client.GetJsonAsync("/v1/topics/orders/messages?max=20");

        Assert.Equal(2, peeked.GetArrayLength());
        var first = peeked[0];
        Assert.Equal(id, first.GetProperty("id").GetString());
        Assert.Equal("customer-42", first.GetProperty("key").GetString());
        Assert.Equal("application/json; charset=utf-8", first.GetProperty("contentType").GetString());
        Assert.Equal("t1", first.GetProperty("headers").GetProperty("tenant").GetString());
        Assert.Equal("""{"orderId":"A17"}""", first.GetProperty("body").GetString());
        Assert.Equal("text", first.GetProperty("bodyEncoding").GetString());
        Assert.True(first.GetProperty("timestamp").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(-5));
        var second = peeked[1];
        Assert.Equal("bin", second.GetProperty("key").GetString());
        Assert.Equal("base64", second.GetProperty("bodyEncoding").GetString());
        Assert.Equal(Convert.ToBase64String([0xff, 0xfe, 0x00, 0x01]), second.GetProperty("body").GetString());
        Assert.Equal(1, (await server.Client.GetJsonAsync("/v1/topics/orders/messages?max=1")).GetArrayLength());
    }

    [Theory]
    [InlineData("/v1/topics/.bad/messages", "Topic '.bad' is invalid: allowed are 1 to 200 characters")]
    [InlineData("/v1/topics/bad%20name/messages", "Topic 'bad name' is invalid")]
    [InlineData("/v1/topics/ok/messages?delay=soon", "Query parameter 'delay' is 'soon'; allowed: milliseconds")]
    [InlineData("/v1/topics/ok/messages?ttl=-5", "Query parameter 'ttl' is '-5'")]
    public async Task Publish_BadRequest_Returns400NamingTheRule(string path, string expected)
    {
        await using var server = await TestServer.StartAsync();

        var response = await server.Client.PostAsync(path, new StringContent("x"));

        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.JsonAsync(HttpStatusCode.BadRequest);
        Assert.Contains(expected, problem.GetProperty("detail").GetString());
        Assert.Equal(400, problem.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task Publish_BodyOverTheFrameLimit_Returns413NamingTheLimit()
    {
        await using var server = await TestServer.StartAsync(options => options.MaxFrameBytes = 2048);

        var sized = await server.Client.PostAsync("/v1/topics/big/messages", new ByteArrayContent(new byte[4096]));
        var chunked = new StreamContent(new MemoryStream(new byte[4096]));
        var streamed = await server.Client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/v1/topics/big/messages") { Content = chunked, Headers = { TransferEncodingChunked = true } });

        Assert.Contains("limit of 2048 bytes (OmnibusServerOptions.MaxFrameBytes)", (await sized.JsonAsync(HttpStatusCode.RequestEntityTooLarge)).GetProperty("detail").GetString());
        Assert.Contains("limit of 2048 bytes", (await streamed.JsonAsync(HttpStatusCode.RequestEntityTooLarge)).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task PublishBatch_TextAndBase64Entries_AreStoredInOrder()
    {
        await using var server = await TestServer.StartAsync();
        const string batch = """
            [{"body":"one","key":"k1","headers":{"tenant":"t1"},"contentType":"text/plain"},
             {"body":"AAEC","bodyEncoding":"base64"},
             {"body":"later","delayMs":60000}]
            """;

        var answer = await (await server.Client.PostAsync("/v1/topics/bulk/messages/batch", new StringContent(batch))).JsonAsync(HttpStatusCode.Accepted);
        var peeked = await server.Client.GetJsonAsync("/v1/topics/bulk/messages");

        Assert.Equal(0, answer.GetProperty("failed").GetArrayLength());
        Assert.Equal(answer.GetProperty("ids").EnumerateArray().Select(i => i.GetString()), peeked.EnumerateArray().Select(m => m.GetProperty("id").GetString()));
        Assert.Equal("t1", peeked[0].GetProperty("headers").GetProperty("tenant").GetString());
        Assert.Equal("k1", peeked[0].GetProperty("key").GetString());
        Assert.Equal("AAEC", peeked[1].GetProperty("body").GetString());
        Assert.Equal("base64", peeked[1].GetProperty("bodyEncoding").GetString());
    }

    [Theory]
    [InlineData("{", "The batch is not valid JSON")]
    [InlineData("[]", "The batch has 0 entries; allowed: 1 to 10000.")]
    [InlineData("""[{"body":"x"},{"body":"%%","bodyEncoding":"base64"}]""", "Batch entry 1 is invalid")]
    [InlineData("""[{"body":"x","bodyEncoding":"hex"}]""", "Batch entry 0 is invalid: 'bodyEncoding' must be 'text' or 'base64'")]
    public async Task PublishBatch_Invalid_Returns400AndStoresNothing(string batch, string expected)
    {
        await using var server = await TestServer.StartAsync();

        var problem = await (await server.Client.PostAsync("/v1/topics/bulk/messages/batch", new StringContent(batch))).JsonAsync(HttpStatusCode.BadRequest);

        Assert.StartsWith(expected, problem.GetProperty("detail").GetString());
        Assert.Equal(0, (await server.Client.GetJsonAsync("/v1/topics/bulk/messages")).GetArrayLength());
    }

    [Fact]
    public async Task Peek_BadMax_Returns400()
    {
        await using var server = await TestServer.StartAsync();

        var problem = await (await server.Client.GetAsync("/v1/topics/orders/messages?max=0")).JsonAsync(HttpStatusCode.BadRequest);

        Assert.Contains("'max' is '0'; allowed: a whole number from 1 to 1000", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Publish_WithDelay_IsNotDeliveredBeforeTheDelay()
    {
        await using var server = await TestServer.StartAsync();
        var received = new Recorder<DateTime>();
        await using var subscription = await server.Broker.SubscribeAsync(new SubscriptionOptions("later", "g"), (_, _) =>
        {
            received.Add(DateTime.UtcNow);
            return default;
        });

        var sent = DateTime.UtcNow;
        await (await server.Client.PostAsync("/v1/topics/later/messages?delay=700", new StringContent("x"))).JsonAsync(HttpStatusCode.Accepted);

        await received.WaitForCountAsync(1, TestServer.Timeout);
        Assert.True(received.Items[0] - sent >= TimeSpan.FromMilliseconds(650), $"delivered after {received.Items[0] - sent}");
    }

    [Fact]
    public async Task TopicsAndGroups_AfterPublishAndConsume_ShowTheNumbers()
    {
        await using var server = await TestServer.StartAsync();
        var handled = new Recorder<Message>();
        await using (await server.Broker.SubscribeAsync(new SubscriptionOptions("orders", "billing"), (m, _) => { handled.Add(m); return default; }))
        {
            for (var i = 0; i < 10; i++)
            {
                await server.Client.PublishAsync("orders", $"order {i}");
            }

            await handled.WaitForCountAsync(10, TestServer.Timeout);
            await server.Client.WaitForAsync("/v1/groups", g => g.FindGroup("orders", "billing").GetProperty("lag").GetInt64() == 0, "billing to settle all 10");
        }

        for (var i = 0; i < 3; i++)
        {
            await server.Client.PublishAsync("orders", $"late {i}");
        }

        await server.Client.PublishAsync("other", "x");

        var topics = await server.Client.GetJsonAsync("/v1/topics");
        var orders = topics.Find("name", "orders");
        Assert.Equal(13, orders.GetProperty("messages").GetInt64());
        Assert.Equal(13, orders.GetProperty("published").GetInt64());
        Assert.True(orders.GetProperty("bytes").GetInt64() > 0);
        Assert.Equal(["orders", "other"], topics.EnumerateArray().Select(t => t.GetProperty("name").GetString()));
        var billing = (await server.Client.GetJsonAsync("/v1/groups?topic=orders")).FindGroup("orders", "billing");
        Assert.Equal(3, billing.GetProperty("lag").GetInt64());
        Assert.Equal(0, billing.GetProperty("inFlight").GetInt64());
        Assert.Equal(0, billing.GetProperty("members").GetInt32());
        Assert.Equal(0, (await server.Client.GetJsonAsync("/v1/groups?topic=other")).GetArrayLength());
    }

    [Fact]
    public async Task TopicsAndThroughput_WhilePublishing_ShowANonzeroRate()
    {
        await using var server = await TestServer.StartAsync();
        using var stop = new CancellationTokenSource();
        var publisher = Publisher.RunAsync(server.Broker, "clicks", stop.Token);

        await server.Client.WaitForAsync("/v1/topics", t => t.RateOf("clicks") > 0, "a nonzero rate on clicks");
        var throughput = await server.Client.GetJsonAsync("/v1/throughput");

        Assert.Equal(1000, throughput.GetProperty("intervalMs").GetInt32());
        Assert.Contains(throughput.GetProperty("points").EnumerateArray(), p => p.GetProperty("rate").GetDouble() > 0);
        await stop.CancelAsync();
        await publisher;
    }

    [Fact]
    public async Task Replay_MovesDeadLettersBack()
    {
        await using var server = await TestServer.StartAsync();
        var failing = 1;
        var handled = new Recorder<Message>();
        await using var subscription = await server.Broker.SubscribeAsync(new SubscriptionOptions("payments", "p") { MaxDeliveryAttempts = 1 }, (m, _) =>
        {
            if (Volatile.Read(ref failing) == 1)
            {
                throw new InvalidOperationException($"card declined for {m.GetString()}");
            }

            handled.Add(m);
            return default;
        });
        for (var i = 0; i < 3; i++)
        {
            await server.Client.PublishAsync("payments", $"payment {i}");
        }

        await server.Client.WaitForAsync("/v1/topics", t => t.TryFind("name", "payments.dlq")?.GetProperty("messages").GetInt64() == 3, "3 dead letters");
        var dead = await server.Client.GetJsonAsync("/v1/topics/payments.dlq/messages");
        Assert.Equal("card declined for payment 0", dead[0].GetProperty("headers").GetProperty(HeaderNames.ErrorMessage).GetString());
        Assert.Equal(3, (await server.Client.GetJsonAsync("/v1/groups?topic=payments")).FindGroup("payments", "p").GetProperty("deadLettered").GetInt64());
        Volatile.Write(ref failing, 0);

        var first = await (await server.Client.PostAsync("/v1/topics/payments/dlq/replay?max=1", null)).JsonAsync(HttpStatusCode.OK);
        var rest = await (await server.Client.PostAsync("/v1/topics/payments/dlq/replay", null)).JsonAsync(HttpStatusCode.OK);

        Assert.Equal(1, first.GetProperty("replayed").GetInt32());
        Assert.Equal("payments.dlq", first.GetProperty("deadLetterTopic").GetString());
        Assert.Equal(2, rest.GetProperty("replayed").GetInt32());
        await handled.WaitForCountAsync(3, TestServer.Timeout);
        Assert.Equal(["payment 0", "payment 1", "payment 2"], handled.Items.Select(m => m.GetString()).Order());
        Assert.All(handled.Items, m => Assert.Null(m.GetHeader(HeaderNames.ErrorMessage)));
    }

    [Fact]
    public async Task Replay_ConsumerStillFailing_MovesOnlyWhatWaitedAndReturns()
    {
        await using var server = await TestServer.StartAsync();
        await using var subscription = await server.Broker.SubscribeAsync(
            new SubscriptionOptions("loop", "g") { MaxDeliveryAttempts = 1 }, (_, _) => throw new InvalidOperationException("still broken"));
        await server.Client.PublishAsync("loop", "x");
        await server.Client.PublishAsync("loop", "y");
        await server.Client.WaitForAsync("/v1/topics", t => t.TryFind("name", "loop.dlq")?.GetProperty("messages").GetInt64() == 2, "2 dead letters");

        var first = await (await server.Client.PostAsync("/v1/topics/loop/dlq/replay", null)).JsonAsync(HttpStatusCode.OK);

        Assert.Equal(2, first.GetProperty("replayed").GetInt32());
        await server.Client.WaitForAsync("/v1/topics", t => t.TryFind("name", "loop.dlq")?.GetProperty("messages").GetInt64() == 4, "the replayed pair to fail again");
        var second = await (await server.Client.PostAsync("/v1/topics/loop/dlq/replay?max=1", null)).JsonAsync(HttpStatusCode.OK);
        Assert.Equal(1, second.GetProperty("replayed").GetInt32());
    }

    [Fact]
    public async Task Replay_NothingDeadLettered_ReturnsZeroAtOnce()
    {
        await using var server = await TestServer.StartAsync();

        var answer = await (await server.Client.PostAsync("/v1/topics/quiet/dlq/replay", null)).JsonAsync(HttpStatusCode.OK);

        Assert.Equal(0, answer.GetProperty("replayed").GetInt32());
    }

    [Theory]
    [InlineData("/v1/topics")]
    [InlineData("/v1/groups")]
    [InlineData("/v1/topics/orders/messages")]
    [InlineData("/v1/throughput")]
    public async Task AdminEndpoints_DriverWithoutAdmin_Return501NamingTheScheme(string path)
    {
        await using var server = await TestServer.StartAsync(connectionString: "memory://");

        var problem = await (await server.Client.GetAsync(path)).JsonAsync(HttpStatusCode.NotImplemented);

        Assert.Contains("driver 'memory' cannot list topics", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task PublishAndMetrics_DriverWithoutAdmin_StillWork()
    {
        await using var server = await TestServer.StartAsync(connectionString: "memory://");

        await server.Client.PublishAsync("orders", "x");
        var metrics = await server.Client.GetStringAsync("/metrics");

        Assert.Contains("omnibus_server_rejected_total 0\n", metrics);
        Assert.DoesNotContain("omnibus_topic_messages", metrics);
    }
}

/// <summary>Publishes to a topic until stopped, so that rates stay above zero.</summary>
internal static class Publisher
{
    public static Task RunAsync(Broker broker, string topic, CancellationToken stop) => Task.Run(async () =>
    {
        var i = 0;
        while (!stop.IsCancellationRequested)
        {
            await broker.PublishAsync(topic, Message.FromString($"click {i++}"), CancellationToken.None);
            if (i % 20 == 0)
            {
                // Paces the publisher (about 400 msg/s) so that two shared cores are not saturated by it.
                await Task.Delay(50, CancellationToken.None);
            }
        }
    });
}
