using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace Omnibus.Internal;

/// <summary>Tells from an assembly file's metadata, without loading it, whether it carries <c>[assembly: OmnibusDriver]</c>.</summary>
internal static class DriverAssemblyProbe
{
    public static bool AnnouncesDriver(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            using var pe = new PEReader(stream);
            if (!pe.HasMetadata)
            {
                return false;
            }

            var metadata = pe.GetMetadataReader();
            foreach (var handle in metadata.GetAssemblyDefinition().GetCustomAttributes())
            {
                var constructor = metadata.GetCustomAttribute(handle).Constructor;
                if (constructor.Kind == HandleKind.MemberReference
                    && metadata.GetMemberReference((MemberReferenceHandle)constructor).Parent is { Kind: HandleKind.TypeReference } parent
                    && metadata.GetString(metadata.GetTypeReference((TypeReferenceHandle)parent).Name) == "OmnibusDriverAttribute")
                {
                    return true;
                }
            }

            return false;
        }
        catch (BadImageFormatException)
        {
            return false; // not a .NET assembly: not a driver
        }
    }
}
