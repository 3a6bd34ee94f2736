using Microsoft.AspNetCore.Http;
using Omnibus.Drivers;

namespace Omnibus.Server.Http;

/// <summary>Topics, groups, the throughput history and the metrics text: everything filtered to the topics the token may read.</summary>
internal sealed partial class HttpApi
{
    private async Task<IResult> TopicsAsync(HttpContext context)
    {
        if (_admin is null)
        {
            return Problems.NoAdmin(_broker.Scheme);
        }

        var rates = _sampler?.Rates;
        var topics = await ReadableTopicsAsync(context).ConfigureAwait(false);
        return Results.Json<IReadOnlyList<TopicView>>(
            [.. topics.Select(t => new TopicView(t.Name, t.Messages, t.Bytes, t.Published, t.Partitions, rates is not null && rates.TryGetValue(t.Name, out var r) ? r : null))],
            HttpJson.Default.IReadOnlyListTopicView);
    }

    private async Task<IResult> GroupsAsync(HttpContext context)
    {
        var topic = context.Request.Query["topic"].ToString();
        if (topic.Length > 0 && (Problems.InvalidTopic(topic) ?? _access.RequireSubscribe(context, topic)) is { } refused)
        {
            return refused;
        }

        if (_admin is null)
        {
            return Problems.NoAdmin(_broker.Scheme);
        }

        var groups = await ReadableGroupsAsync(context, topic.Length > 0 ? topic : null).ConfigureAwait(false);
        return Results.Json<IReadOnlyList<GroupView>>(
            [.. groups.Select(g => new GroupView(g.Topic, g.Group, g.Lag, g.InFlight, g.DeadLettered, g.Members))],
            HttpJson.Default.IReadOnlyListGroupView);
    }

    private IResult Throughput(HttpContext context)
    {
        if (_sampler is null)
        {
            return Problems.NoAdmin(_broker.Scheme);
        }

        var grant = HttpAccess.GrantOf(context);
        var points = _sampler.History
            .Select(s => new ThroughputPoint(s.At, s.Rates.Where(r => grant.CanSubscribe(r.Key)).Sum(r => r.Value)))
            .ToList();
        return Results.Json(new ThroughputView((int)RateSampler.Interval.TotalMilliseconds, points), HttpJson.Default.ThroughputView);
    }

    private async Task<IResult> MetricsAsync(HttpContext context)
    {
        var text = new PrometheusText();
        if (_admin is not null)
        {
            var topics = await ReadableTopicsAsync(context).ConfigureAwait(false);
            text.Family("omnibus_topic_messages", "gauge", "Messages stored in the topic now.");
            topics.ForEach(t => text.Sample("omnibus_topic_messages", t.Messages, ("topic", t.Name)));
            text.Family("omnibus_topic_published_total", "counter", "Messages published to the topic since it was created.");
            topics.ForEach(t => text.Sample("omnibus_topic_published_total", t.Published, ("topic", t.Name)));
            text.Family("omnibus_topic_bytes", "gauge", "Bytes the topic's stored messages occupy.");
            topics.Where(t => t.Bytes is not null).ToList().ForEach(t => text.Sample("omnibus_topic_bytes", t.Bytes!.Value, ("topic", t.Name)));

            var groups = await ReadableGroupsAsync(context, null).ConfigureAwait(false);
            GroupFamily(text, groups, "omnibus_group_lag", "Messages the group has not acknowledged yet.", g => g.Lag);
            GroupFamily(text, groups, "omnibus_group_in_flight", "Messages delivered to a member of the group and not yet settled.", g => g.InFlight);
            GroupFamily(text, groups, "omnibus_group_dead_lettered", "Messages stored in the dead-letter topic of the group's topic.", g => g.DeadLettered);
            GroupFamily(text, groups, "omnibus_group_members", "Consumers attached to the group now.", g => g.Members);
        }

        text.Family("omnibus_server_connections", "gauge", "TCP connections open now.");
        text.Sample("omnibus_server_connections", _stats.Connections);
        text.Family("omnibus_server_connections_total", "counter", "TCP connections accepted since start.");
        text.Sample("omnibus_server_connections_total", _stats.ConnectionsTotal);
        text.Family("omnibus_server_rejected_total", "counter", "Connections or requests refused (bad or missing token, permission, limits) since start.");
        text.Sample("omnibus_server_rejected_total", _stats.Rejected);
        text.Family("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
        text.Sample("process_resident_memory_bytes", Environment.WorkingSet);
        return Results.Text(text.ToString(), PrometheusText.ContentType);
    }

    private static void GroupFamily(PrometheusText text, List<GroupInfo> groups, string name, string help, Func<GroupInfo, long> value)
    {
        text.Family(name, "gauge", help);
        groups.ForEach(g => text.Sample(name, value(g), ("topic", g.Topic), ("group", g.Group)));
    }

    private async Task<List<TopicInfo>> ReadableTopicsAsync(HttpContext context)
    {
        var grant = HttpAccess.GrantOf(context);
        var topics = await _admin!.GetTopicsAsync(context.RequestAborted).ConfigureAwait(false);
        return [.. topics.Where(t => grant.CanSubscribe(t.Name))];
    }

    private async Task<List<GroupInfo>> ReadableGroupsAsync(HttpContext context, string? topic)
    {
        var grant = HttpAccess.GrantOf(context);
        var groups = await _admin!.GetGroupsAsync(topic, context.RequestAborted).ConfigureAwait(false);
        return [.. groups.Where(g => grant.CanSubscribe(g.Topic))];
    }
}
