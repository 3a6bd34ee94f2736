using System.Reflection;
using Omnibus.Worker;

namespace Omnibus.Isolated.Tests;

/// <summary>
/// The host builds the WebJobs attributes from functions.metadata, which Worker.Sdk writes from the worker attributes'
/// property names: the two sets must not drift.
/// </summary>
public sealed class AttributeParityTests
{
    [Theory]
    [InlineData(typeof(BrokerTriggerAttribute), typeof(Triggers.BrokerTriggerAttribute))]
    [InlineData(typeof(BrokerOutputAttribute), typeof(Bindings.BrokerAttribute))]
    public void WorkerAttribute_HasTheWebJobsAttributesProperties_ByNameAndType(Type worker, Type webJobs)
    {
        Assert.Equal(Shape(webJobs), Shape(worker));
    }

    [Theory]
    [InlineData(typeof(Worker.StartPosition), typeof(Omnibus.StartPosition))]
    [InlineData(typeof(Worker.OrderBy), typeof(Triggers.OrderBy))]
    public void WorkerEnum_HasTheSameMembers(Type worker, Type webJobs)
    {
        Assert.Equal(Members(webJobs), Members(worker));
    }

    [Fact]
    public void ExtensionInformation_NamesTheBindingsPackage()
    {
        var info = typeof(BrokerTriggerAttribute).Assembly.GetCustomAttribute<Microsoft.Azure.Functions.Worker.Extensions.Abstractions.ExtensionInformationAttribute>();

        Assert.NotNull(info);
        Assert.Equal(typeof(Bindings.BrokerAttribute).Assembly.GetName().Name, info.ExtensionPackage);
        Assert.Equal(WebJobsExtension.Version, info.ExtensionVersion);
    }

    /// <summary>Each public instance property as "name: type", enums by their member names.</summary>
    private static List<string> Shape(Type attribute) =>
        [.. attribute.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Select(p => $"{p.Name}: {TypeName(p.PropertyType)}").Order(StringComparer.Ordinal)];

    private static string TypeName(Type type) => type.IsEnum ? $"enum({string.Join(",", Members(type))})" : type.FullName!;

    private static List<string> Members(Type type) => [.. Enum.GetNames(type).Zip(Enum.GetValues(type).Cast<object>().Select(Convert.ToInt32), (n, v) => $"{n}={v}")];
}
