using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Trace;
using Threadline.Platform;
using Threadline.Platform.Outbox;

namespace Threadline.UnitTests.Telemetry;

/// <summary>
/// The platform's tracing as the service defaults configure it (ConfigureOpenTelemetry, exported in memory): idle
/// polling exports nothing, a failed sweep exports a root span, and an outbox publish continues the writer's trace.
/// </summary>
public sealed class QuietPollingTests : IDisposable
{
    // Stands in for Npgsql and for the request: a source the service defaults trace ("Threadline.*").
    private static readonly ActivitySource Work = new("Threadline.Tests.Work");

    private readonly List<Activity> _exported = [];
    private readonly IHost _host;
    private readonly TracerProvider _tracing;

    public QuietPollingTests()
    {
        var builder = Host.CreateApplicationBuilder();
        // As posts-api and job-worker configure it: their polling spans are the platform's QuietSpans.
        builder.ConfigureOpenTelemetry(QuietSpans.All);
        builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(_exported));
        _host = builder.Build();
        _tracing = _host.Services.GetRequiredService<TracerProvider>();
    }

    public void Dispose() => _host.Dispose();

    [Fact]
    public void An_idle_sweep_and_its_database_calls_export_nothing()
    {
        var queryName = $"SELECT outbox_messages {Guid.NewGuid():N}";
        ActivityTraceId trace;
        using (var sweep = OutboxTelemetry.StartSweep())
        {
            // The sweep span exists, unsampled, so the query below is not a root of its own.
            Assert.NotNull(sweep);
            Assert.False(sweep.Recorded);
            trace = sweep.TraceId;
            using var query = Work.StartActivity(queryName);
            Assert.True(query is null || !query.Recorded);
        }

        Exported(trace).AssertEmpty();
        Assert.DoesNotContain(Exported(), a => a.DisplayName == queryName);
    }

    [Fact]
    public void A_failed_sweep_exports_a_root_span_with_the_error()
    {
        var failure = new InvalidOperationException($"broker down {Guid.NewGuid():N}");
        OutboxTelemetry.RecordFailedSweep(failure, TimeSpan.FromSeconds(4));
        _tracing.ForceFlush();

        var span = Assert.Single(_exported, a => a.Events.Any(e => e.Tags.Any(t => Equals(t.Value, failure.Message))));
        Assert.Equal(OutboxTelemetry.SweepFailedSpan, span.DisplayName);
        Assert.Equal(default, span.ParentSpanId);
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal(4000L, span.GetTagItem("outbox.retry_in_ms"));
    }

    [Fact]
    public async Task A_publish_continues_the_trace_of_the_request_that_wrote_the_row()
    {
        var message = new OutboxMessage { MessageType = nameof(PostChanged), Payload = "{}" };
        Activity request;
        using (request = Work.StartActivity("POST /posts")!)
        {
            (message.TraceParent, message.TraceState) = OutboxTelemetry.CurrentContext();
        }

        Assert.Equal(request.Id, message.TraceParent);
        using (OutboxTelemetry.StartSweep())
        {
            await PublishAsync(message);
        }

        var dispatch = Assert.Single(Exported(request.TraceId), a => a.DisplayName == OutboxTelemetry.DispatchSpan);
        Assert.Equal(request.SpanId, dispatch.ParentSpanId);
        var send = Assert.Single(Exported(request.TraceId), a => a.DisplayName == "PostChanged send");
        Assert.Equal(dispatch.SpanId, send.ParentSpanId);
    }

    [Fact]
    public async Task A_row_without_a_stored_context_is_published_in_a_trace_of_its_own_not_hidden_by_the_sweep()
    {
        var message = new OutboxMessage { MessageType = nameof(PostChanged), Payload = "{}" };
        ActivityTraceId sweepTrace;
        using (var sweep = OutboxTelemetry.StartSweep())
        {
            sweepTrace = sweep!.TraceId;
            await PublishAsync(message);
            Assert.Same(sweep, Activity.Current);
        }

        _tracing.ForceFlush();
        var dispatch = Assert.Single(_exported, a => Equals(a.GetTagItem("messaging.message.id"), message.MessageId.ToString("D")));
        Assert.NotEqual(sweepTrace, dispatch.TraceId);
        Assert.Equal(default, dispatch.ParentSpanId);
    }

    [Fact]
    public void A_coverage_check_is_quiet_as_a_root_and_kept_under_a_request()
    {
        using var threadline = new ActivitySource(ThreadlineTelemetry.Name);
        ActivityTraceId idle;
        using (var check = threadline.StartActivity(QuietSpans.CoverageCheck))
        {
            idle = check!.TraceId;
        }

        ActivityTraceId requested;
        using (var request = Work.StartActivity("GET /coverage"))
        {
            requested = request!.TraceId;
            using var check = threadline.StartActivity(QuietSpans.CoverageCheck);
        }

        Exported(idle).AssertEmpty();
        Assert.Contains(Exported(requested), a => a.DisplayName == QuietSpans.CoverageCheck);
    }

    /// <summary>What the dispatcher does per row: the dispatch span, and MassTransit's send span under it.</summary>
    private static async Task PublishAsync(OutboxMessage message)
    {
        await Task.Yield();
        using var dispatch = OutboxTelemetry.StartDispatch(message);
        using var send = Work.StartActivity("PostChanged send", ActivityKind.Producer);
    }

    private List<Activity> Exported(ActivityTraceId? trace = null)
    {
        _tracing.ForceFlush();
        lock (_exported)
        {
            return _exported.Where(a => trace is null || a.TraceId == trace).ToList();
        }
    }
}

internal static class ExportedAssertions
{
    public static void AssertEmpty(this List<Activity> activities) =>
        Assert.True(activities.Count == 0, $"Expected no exported span, got: {string.Join(", ", activities.Select(a => a.DisplayName))}");
}
