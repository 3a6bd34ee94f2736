using System.Reflection;
using System.Text;
using System.Threading.Channels;
using Microsoft.Azure.WebJobs;
using Microsoft.Azure.WebJobs.Description;
using Microsoft.Azure.WebJobs.Host.Bindings;
using Microsoft.Azure.WebJobs.Host.Config;
using Microsoft.Azure.WebJobs.Host.Executors;
using Microsoft.Azure.WebJobs.Host.Listeners;
using Microsoft.Azure.WebJobs.Host.Protocols;
using Microsoft.Azure.WebJobs.Host.Triggers;

namespace Omnibus.Bench.Functions;

/// <summary>
/// The baseline: the least a WebJobs trigger can do. Its listener reads byte[] bodies from an in-memory channel and
/// calls TryExecuteAsync with the given concurrency; the parameter is the body as a string. No broker, no ack.
/// </summary>
[Binding]
[AttributeUsage(AttributeTargets.Parameter)]
public sealed class BareTriggerAttribute : Attribute;

public sealed class BareFeed
{
    public Channel<byte[]> Channel { get; } = System.Threading.Channels.Channel.CreateUnbounded<byte[]>();

    public int Concurrency { get; set; } = 1;
}

public sealed class BareExtension(BareFeed feed) : IExtensionConfigProvider
{
    public void Initialize(ExtensionConfigContext context) => context.AddBindingRule<BareTriggerAttribute>().BindToTrigger(new Provider(feed));

    private sealed class Provider(BareFeed feed) : ITriggerBindingProvider
    {
        public Task<ITriggerBinding?> TryCreateAsync(TriggerBindingProviderContext context) =>
            Task.FromResult<ITriggerBinding?>(context.Parameter.GetCustomAttribute<BareTriggerAttribute>() is null ? null : new Binding(feed, context.Parameter));
    }

    private sealed class Binding(BareFeed feed, ParameterInfo parameter) : ITriggerBinding
    {
        private static readonly IReadOnlyDictionary<string, object> NoData = new Dictionary<string, object>();

        public Type TriggerValueType => typeof(byte[]);

        public IReadOnlyDictionary<string, Type> BindingDataContract { get; } = new Dictionary<string, Type>();

        public Task<ITriggerData> BindAsync(object value, ValueBindingContext context) =>
            Task.FromResult<ITriggerData>(new TriggerData(new Value(Encoding.UTF8.GetString((byte[])value)), NoData));

        public Task<IListener> CreateListenerAsync(ListenerFactoryContext context) => Task.FromResult<IListener>(new Listener(feed, context.Executor));

        public ParameterDescriptor ToParameterDescriptor() => new TriggerParameterDescriptor { Name = parameter.Name };
    }

    private sealed class Value(string body) : IValueProvider
    {
        public Type Type => typeof(string);

        public Task<object> GetValueAsync() => Task.FromResult<object>(body);

        public string ToInvokeString() => body;
    }

    private sealed class Listener(BareFeed feed, ITriggeredFunctionExecutor executor) : IListener
    {
        private readonly CancellationTokenSource _stop = new();
        private Task _workers = Task.CompletedTask;

        public Task StartAsync(CancellationToken cancellationToken)
        {
            _workers = Task.WhenAll(Enumerable.Range(0, feed.Concurrency).Select(_ => Task.Run(LoopAsync)));
            return Task.CompletedTask;
        }

        public async Task StopAsync(CancellationToken cancellationToken)
        {
            await _stop.CancelAsync();
            await _workers;
        }

        public void Cancel() => _stop.Cancel();

        public void Dispose() => _stop.Cancel();

        private async Task LoopAsync()
        {
            var reader = feed.Channel.Reader;
            try
            {
                while (await reader.WaitToReadAsync(_stop.Token))
                {
                    while (reader.TryRead(out var body))
                    {
                        await executor.TryExecuteAsync(new TriggeredFunctionData { TriggerValue = body, TriggerDetails = new Dictionary<string, string>(0) }, _stop.Token);
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // Stopping.
            }
        }
    }
}
