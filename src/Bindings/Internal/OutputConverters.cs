using Microsoft.Azure.WebJobs;
using Microsoft.Azure.WebJobs.Host.Bindings;
using Microsoft.Azure.WebJobs.Host.Config;
using Omnibus.Codecs;

namespace Omnibus.Bindings.Internal;

/// <summary>What a function may hand to a <see cref="BrokerAttribute"/> output, turned into a <see cref="Message"/> by <see cref="BodyCodec"/>.</summary>
internal static class OutputConverters
{
    public static void Register(ExtensionConfigContext context)
    {
        context.AddConverter<string, Message>(text => BodyCodec.Encode(text));
        context.AddConverter<byte[], Message>(bytes => BodyCodec.Encode(bytes));
        context.AddConverter<ReadOnlyMemory<byte>, Message>(memory => BodyCodec.Encode(memory));
        context.AddOpenConverter<OpenType.Poco, Message>(typeof(PocoToMessage<>));
    }

    private sealed class PocoToMessage<T> : IConverter<T, Message>
    {
        public Message Convert(T input) => BodyCodec.Encode(input);
    }
}
