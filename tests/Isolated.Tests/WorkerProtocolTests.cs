using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Omnibus.FunctionsHost;
using Omnibus.FunctionsHost.Rpc;

namespace Omnibus.Isolated.Tests;

/// <summary>The sample's real worker process, started once for the tests of a class.</summary>
public sealed class SampleWorker : IAsyncLifetime
{
    /// <summary>The sample's build output.</summary>
    public static readonly string App = Repository.PathOf($"samples/FunctionApp.Isolated/bin/{Repository.Configuration}/net10.0");

    /// <summary>The started worker.</summary>
    internal WorkerProcess Worker { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        Worker = await WorkerProcess.StartAsync(App, FunctionMetadata.Load(App), new Dictionary<string, string> { ["ShipmentsTopic"] = "shipments" }, NullLoggerFactory.Instance, timeout.Token);
    }

    public async Task DisposeAsync() => await Worker.DisposeAsync();
}

/// <summary>The host's end of the gRPC contract against the sample's real worker process.</summary>
public sealed class WorkerProtocolTests(SampleWorker sample) : IClassFixture<SampleWorker>
{

    [Fact]
    public async Task ValidOrder_Succeeds_AndReturnsTheShipment()
    {
        var response = await Invoke("ValidateOrder", "order", Single("""{"orderId":"o-1","customerId":"c-1","amount":5,"items":["a","b"]}"""));

        Assert.Equal(StatusResult.Types.Status.Success, response.Result.Status);
        using var shipment = JsonDocument.Parse(response.ReturnValue.Json);
        Assert.Equal("o-1", shipment.RootElement.GetProperty("OrderId").GetString());
        Assert.Equal(2, shipment.RootElement.GetProperty("ItemCount").GetInt32());
    }

    [Fact]
    public async Task InvalidOrder_Fails_WithTheFunctionsException()
    {
        var response = await Invoke("ValidateOrder", "order", Single("""{"orderId":"o-2","customerId":"c-1","amount":0,"items":[]}"""));

        Assert.Equal(StatusResult.Types.Status.Failure, response.Result.Status);
        Assert.Contains("needs a positive amount", response.Result.Exception.Message, StringComparison.Ordinal);
        Assert.Null(response.ReturnValue?.Json is { Length: > 0 } ? response.ReturnValue : null);
    }

    [Fact]
    public async Task NonJsonBody_Fails()
    {
        var response = await Invoke("ValidateOrder", "order", Single("not json"));

        Assert.Equal(StatusResult.Types.Status.Failure, response.Result.Status);
    }

    [Fact]
    public async Task Batch_ReceivesAnArray_AndOutputsMessagesWithKeyAndHeaders()
    {
        var data = new TypedData { CollectionBytes = new CollectionBytes() };
        data.CollectionBytes.Bytes.Add(ByteString.CopyFromUtf8("""{"orderId":"o-1","customerId":"c-1","itemCount":2}"""));
        data.CollectionBytes.Bytes.Add(ByteString.CopyFromUtf8("""{"orderId":"o-2","customerId":"c-2","itemCount":1}"""));

        var response = await Invoke("ShipBatch", "shipments", data);

        Assert.Equal(StatusResult.Types.Status.Success, response.Result.Status);
        using var messages = JsonDocument.Parse(response.ReturnValue.Json);
        var all = messages.RootElement.EnumerateArray().ToList();
        Assert.Equal(2, all.Count);
        Assert.Equal("omnibus.message", all[0].GetProperty("$omnibus").GetString());
        Assert.Equal("o-2", all[1].GetProperty("key").GetString());
        Assert.Equal("c-2", all[1].GetProperty("headers").GetProperty("customer").GetString());
        Assert.Equal("2", all[1].GetProperty("headers").GetProperty("batch-size").GetString());
        Assert.Equal("shipped o-2", Encoding.UTF8.GetString(all[1].GetProperty("body").GetBytesFromBase64()));
    }

    private static TypedData Single(string body) => new() { Bytes = ByteString.CopyFromUtf8(body) };

    private async Task<InvocationResponse> Invoke(string function, string parameter, TypedData data)
    {
        var request = new InvocationRequest { FunctionId = function, TraceContext = new RpcTraceContext() };
        request.InputData.Add(new ParameterBinding { Name = parameter, Data = data });
        request.TriggerMetadata["DeliveryAttempt"] = new TypedData { String = "1" };
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await sample.Worker.Channel.InvokeAsync(request, timeout.Token);
    }
}
