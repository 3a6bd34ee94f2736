using System.Reflection;
using Microsoft.Azure.WebJobs.Host;
using Microsoft.Azure.WebJobs.Host.Bindings;
using Microsoft.Azure.WebJobs.Host.Listeners;
using Microsoft.Azure.WebJobs.Host.Protocols;
using Microsoft.Azure.WebJobs.Host.Triggers;
using Microsoft.Extensions.Logging;

namespace Omnibus.Triggers.Internal;

/// <summary>
/// The trigger binding of one function: produces the parameter value and the binding data for each message (or
/// batch), and the listener that feeds them. The parameter value comes from our own value provider rather than the
/// SDK's converter manager, so the conversions (and their poison errors) are the core's <c>BodyCodec</c>.
/// </summary>
[SupportsRetry]
internal sealed class BrokerTriggerBinding : ITriggerBinding
{
    private readonly ParameterInfo _parameter;
    private readonly TriggerParameterBinder _binder;
    private readonly BrokerTriggerSettings _settings;
    private readonly BrokerConnectionCache _cache;
    private readonly ILogger _logger;
    private readonly ILoggerFactory _loggerFactory;
    private readonly BindingDataProvider? _poco;

    public BrokerTriggerBinding(ParameterInfo parameter, TriggerParameterBinder binder, BrokerTriggerSettings settings, BrokerConnectionCache cache, ILoggerFactory loggerFactory)
    {
        _parameter = parameter;
        _binder = binder;
        _settings = settings;
        _cache = cache;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger(Log.Category);
        _poco = binder.PocoType is { } poco ? BindingDataProvider.FromType(poco) : null;
        BindingDataContract = CreateContract(binder, _poco);
    }

    public Type TriggerValueType => _binder.IsBatched ? typeof(BatchTriggerValue) : typeof(Message);

    public IReadOnlyDictionary<string, Type> BindingDataContract { get; }

    public Task<ITriggerData> BindAsync(object value, ValueBindingContext context)
    {
        if (_binder.IsBatched)
        {
            var batch = value switch
            {
                BatchTriggerValue ready => ready,
                MessageBatch messages => _binder.Bind(messages),
                _ => _binder.Bind(new MessageBatch([ToMessage(value)])),
            };
            return Task.FromResult<ITriggerData>(new TriggerData(new TriggerValueProvider(_parameter.ParameterType, batch.Value, $"{batch.Messages.Count} messages on {_settings.Subscription.Topic}"), BatchBindingData(batch)));
        }

        var message = ToMessage(value);

        // Decoding here, not in the value provider: a poison body fails the invocation with the decode error itself,
        // before any output binding tries expressions over the POCO's members.
        var parameterValue = _binder.Bind(message);
        return Task.FromResult<ITriggerData>(new MessageTriggerData(message, _parameter.ParameterType, parameterValue, _poco));
    }

    public Task<IListener> CreateListenerAsync(ListenerFactoryContext context)
    {
        IListener listener = new BrokerListener(_settings, _binder, _cache, context.Executor, context.Descriptor, _logger, _loggerFactory);
        return Task.FromResult(listener);
    }

    public ParameterDescriptor ToParameterDescriptor() => new BrokerTriggerParameterDescriptor(_settings.Subscription.Topic)
    {
        Name = _parameter.Name,
        DisplayHints = new ParameterDisplayHints
        {
            Description = $"messages of topic '{_settings.Subscription.Topic}' for group '{_settings.Subscription.Group}'",
            Prompt = "Enter a message body",
            DefaultValue = null,
        },
    };

    /// <summary>Direct calls (<c>IJobHost.CallAsync</c>) pass a message, a string or bytes.</summary>
    private Message ToMessage(object? value) => value switch
    {
        Message message => message,
        string text => Message.FromString(text).ForDelivery(_settings.Subscription.Topic, 1),
        byte[] bytes => new Message(bytes).ForDelivery(_settings.Subscription.Topic, 1),
        _ => throw new InvalidOperationException($"A {value?.GetType().Name ?? "null"} cannot trigger a [BrokerTrigger] function: pass a Message, a string or a byte[]."),
    };

    private Dictionary<string, object> BatchBindingData(BatchTriggerValue batch)
    {
        var messages = batch.Messages;
        var ids = new string[messages.Count];
        var keys = new string?[messages.Count];
        var attempts = new int[messages.Count];
        for (var i = 0; i < messages.Count; i++)
        {
            ids[i] = messages[i].Id;
            keys[i] = messages[i].Key;
            attempts[i] = messages[i].DeliveryAttempt;
        }

        return new Dictionary<string, object>(StringComparer.OrdinalIgnoreCase)
        {
            ["Topic"] = _settings.Subscription.Topic,
            ["MessageIds"] = ids,
            ["Keys"] = keys!,
            ["DeliveryAttempts"] = attempts,
        };
    }

    private static Dictionary<string, Type> CreateContract(TriggerParameterBinder binder, BindingDataProvider? poco)
    {
        var contract = new Dictionary<string, Type>(StringComparer.OrdinalIgnoreCase) { ["Topic"] = typeof(string) };
        if (binder.IsBatched)
        {
            contract["MessageIds"] = typeof(string[]);
            contract["Keys"] = typeof(string[]);
            contract["DeliveryAttempts"] = typeof(int[]);
            return contract;
        }

        contract["MessageId"] = typeof(string);
        contract["Key"] = typeof(string);
        contract["DeliveryAttempt"] = typeof(int);
        contract["Headers"] = typeof(IDictionary<string, string>);
        if (poco is not null)
        {
            foreach (var (name, type) in poco.Contract)
            {
                contract.TryAdd(name, type);
            }
        }

        return contract;
    }

    private sealed class TriggerValueProvider(Type type, object value, string invokeString) : IValueProvider
    {
        public Type Type => type;

        public Task<object> GetValueAsync() => Task.FromResult(value);

        public string ToInvokeString() => invokeString;
    }

    private sealed class BrokerTriggerParameterDescriptor(string topic) : TriggerParameterDescriptor
    {
        public override string GetTriggerReason(IDictionary<string, string> arguments) =>
            arguments is not null && arguments.TryGetValue("MessageId", out var id)
                ? $"New message {id} on topic '{topic}'"
                : $"New message on topic '{topic}'";
    }
}
