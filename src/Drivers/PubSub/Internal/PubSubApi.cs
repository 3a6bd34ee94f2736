using System.Net;
using Grpc.Core;
using Grpc.Net.Client;
using Omnibus.Drivers.PubSub.Internal.Wire;

namespace Omnibus.Drivers.PubSub.Internal;

/// <summary>
/// The one place that calls the client generated from Protos/pubsub_subset.proto: a gRPC channel (plain HTTP/2 to an
/// emulator, TLS with Google call credentials to the service) and the Publisher and Subscriber stubs. Everything else
/// in the driver goes through these methods, so the generated client can be replaced by Google.Cloud.PubSub.V1 here
/// alone. Unary calls get <see cref="PubSubSettings.RequestTimeout"/> as their deadline. Thread-safe.
/// </summary>
internal sealed class PubSubApi : IAsyncDisposable
{
    private readonly GrpcChannel _channel;
    private readonly Publisher.PublisherClient _publisher;
    private readonly Subscriber.SubscriberClient _subscriber;
    private readonly TimeSpan _timeout;

    public PubSubApi(PubSubSettings settings)
    {
        _timeout = settings.RequestTimeout;
        Project = "projects/" + settings.Project;
        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            ConnectTimeout = settings.RequestTimeout,
            // A peer that vanishes without closing the connection (a killed emulator, a lost network) is noticed.
            KeepAlivePingDelay = TimeSpan.FromSeconds(15),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
        };
        var options = new GrpcChannelOptions
        {
            HttpHandler = handler,
            HttpVersion = HttpVersion.Version20,
            MaxReceiveMessageSize = 32 * 1024 * 1024,
            Credentials = settings.Emulator is null
                ? ChannelCredentials.Create(new SslCredentials(), GoogleCallCredentials.Create(settings.CredentialsFile))
                : ChannelCredentials.Insecure,
        };
        _channel = GrpcChannel.ForAddress(settings.Address, options);
        _publisher = new Publisher.PublisherClient(_channel);
        _subscriber = new Subscriber.SubscriberClient(_channel);
    }

    /// <summary><c>projects/&lt;project&gt;</c>.</summary>
    public string Project { get; }

    public string TopicPath(string topicId) => $"{Project}/topics/{topicId}";

    public string SubscriptionPath(string subscriptionId) => $"{Project}/subscriptions/{subscriptionId}";

    /// <summary>The topic, or null when it does not exist.</summary>
    public async Task<Topic?> GetTopicAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            return await _publisher.GetTopicAsync(new GetTopicRequest { Topic = path }, Unary(cancellationToken)).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>Creates the topic; one that exists already (another member made it first) is fine.</summary>
    public async Task CreateTopicAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            await _publisher.CreateTopicAsync(new Topic { Name = path }, Unary(cancellationToken)).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.AlreadyExists)
        {
        }
    }

    /// <summary>Publishes one request; the service's message ids, in the order of <paramref name="messages"/>.</summary>
    public async Task<IReadOnlyList<string>> PublishAsync(string topicPath, IEnumerable<PubsubMessage> messages, CancellationToken cancellationToken)
    {
        var request = new PublishRequest { Topic = topicPath };
        request.Messages.AddRange(messages);
        var response = await _publisher.PublishAsync(request, Unary(cancellationToken)).ConfigureAwait(false);
        return response.MessageIds;
    }

    public async IAsyncEnumerable<Topic> ListTopicsAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var token = "";
        do
        {
            var page = await _publisher.ListTopicsAsync(new ListTopicsRequest { Project = Project, PageSize = 1000, PageToken = token }, Unary(cancellationToken)).ConfigureAwait(false);
            foreach (var topic in page.Topics)
            {
                yield return topic;
            }

            token = page.NextPageToken;
        }
        while (!string.IsNullOrEmpty(token));
    }

    /// <summary>The subscription, or null when it does not exist.</summary>
    public async Task<Subscription?> GetSubscriptionAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            return await _subscriber.GetSubscriptionAsync(new GetSubscriptionRequest { Subscription = path }, Unary(cancellationToken)).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>Creates the subscription; when it exists already (another member made it first) that one is returned.</summary>
    public async Task<Subscription> CreateSubscriptionAsync(Subscription subscription, CancellationToken cancellationToken)
    {
        try
        {
            return await _subscriber.CreateSubscriptionAsync(subscription, Unary(cancellationToken)).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.AlreadyExists)
        {
            return await GetSubscriptionAsync(subscription.Name, cancellationToken).ConfigureAwait(false)
                ?? throw new RpcException(new Status(StatusCode.Unavailable, $"subscription {subscription.Name} exists and then does not"));
        }
    }

    public async IAsyncEnumerable<Subscription> ListSubscriptionsAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var token = "";
        do
        {
            var page = await _subscriber.ListSubscriptionsAsync(new ListSubscriptionsRequest { Project = Project, PageSize = 1000, PageToken = token }, Unary(cancellationToken)).ConfigureAwait(false);
            foreach (var subscription in page.Subscriptions)
            {
                yield return subscription;
            }

            token = page.NextPageToken;
        }
        while (!string.IsNullOrEmpty(token));
    }

    public async Task DeleteSubscriptionAsync(string path, CancellationToken cancellationToken) =>
        await _subscriber.DeleteSubscriptionAsync(new DeleteSubscriptionRequest { Subscription = path }, Unary(cancellationToken)).ConfigureAwait(false);

    public async Task DeleteTopicAsync(string path, CancellationToken cancellationToken) =>
        await _publisher.DeleteTopicAsync(new DeleteTopicRequest { Topic = path }, Unary(cancellationToken)).ConfigureAwait(false);

    public async Task AcknowledgeAsync(string subscriptionPath, IEnumerable<string> ackIds, CancellationToken cancellationToken)
    {
        var request = new AcknowledgeRequest { Subscription = subscriptionPath };
        request.AckIds.AddRange(ackIds);
        await _subscriber.AcknowledgeAsync(request, Unary(cancellationToken)).ConfigureAwait(false);
    }

    public async Task ModifyAckDeadlineAsync(string subscriptionPath, IEnumerable<string> ackIds, int seconds, CancellationToken cancellationToken)
    {
        var request = new ModifyAckDeadlineRequest { Subscription = subscriptionPath, AckDeadlineSeconds = seconds };
        request.AckIds.AddRange(ackIds);
        await _subscriber.ModifyAckDeadlineAsync(request, Unary(cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>Opens a streaming pull (no deadline: it lives until the member closes or the service ends it).</summary>
    public AsyncDuplexStreamingCall<StreamingPullRequest, StreamingPullResponse> StreamingPull(CancellationToken cancellationToken) =>
        _subscriber.StreamingPull(new CallOptions(cancellationToken: cancellationToken));

    /// <summary>Whether <paramref name="e"/> says the service is (for now) out of reach, rather than refusing the request.</summary>
    public static bool IsTransient(Exception e) => e switch
    {
        RpcException rpc => rpc.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Internal or StatusCode.Unknown
            or StatusCode.Aborted or StatusCode.ResourceExhausted or StatusCode.Cancelled,
        HttpRequestException or IOException or TimeoutException => true,
        _ => false,
    };

    public ValueTask DisposeAsync()
    {
        _channel.Dispose();
        return default;
    }

    private CallOptions Unary(CancellationToken cancellationToken) => new(deadline: DateTime.UtcNow + _timeout, cancellationToken: cancellationToken);
}
