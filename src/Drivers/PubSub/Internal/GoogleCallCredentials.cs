using Google.Apis.Auth.OAuth2;
using Grpc.Core;

namespace Omnibus.Drivers.PubSub.Internal;

/// <summary>
/// The bridge from Google.Apis.Auth to gRPC: every call gets an <c>authorization: Bearer</c> header with an access
/// token of the credential (Google.Apis.Auth caches and refreshes it). The credential is looked up on the first call,
/// not when the driver is created; the token never reaches a log.
/// </summary>
internal static class GoogleCallCredentials
{
    /// <summary>The OAuth scope of Pub/Sub.</summary>
    public const string Scope = "https://www.googleapis.com/auth/pubsub";

    /// <summary>Credentials from <paramref name="serviceAccountFile"/>, or application default credentials when null.</summary>
    public static CallCredentials Create(string? serviceAccountFile)
    {
        var access = new Lazy<Task<ITokenAccess>>(() => LoadAsync(serviceAccountFile), LazyThreadSafetyMode.ExecutionAndPublication);
        return CallCredentials.FromInterceptor(async (context, metadata) =>
        {
            var credential = await access.Value.ConfigureAwait(false);
            var token = await credential.GetAccessTokenForRequestAsync(context.ServiceUrl, context.CancellationToken).ConfigureAwait(false);
            metadata.Add("authorization", "Bearer " + token);
        });
    }

    private static async Task<ITokenAccess> LoadAsync(string? serviceAccountFile)
    {
        try
        {
            var credential = serviceAccountFile is null
                ? await GoogleCredential.GetApplicationDefaultAsync().ConfigureAwait(false)
                : (await CredentialFactory.FromFileAsync<ServiceAccountCredential>(serviceAccountFile, CancellationToken.None).ConfigureAwait(false)).ToGoogleCredential();
            return credential.CreateScoped(Scope);
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or ArgumentException)
        {
            // The message names the file or the lookup that failed, never a key.
            var what = serviceAccountFile is null ? "application default credentials" : $"the service-account file '{serviceAccountFile}'";
            throw new OmnibusConfigurationException("credentials", $"The pubsub:// driver found no usable Google credentials in {what}: {e.Message} Allowed is a service-account JSON key file ('credentials=<path>') or application default credentials.", e);
        }
    }
}
