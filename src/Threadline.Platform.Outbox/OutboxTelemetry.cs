using System.Diagnostics;

namespace Threadline.Platform.Outbox;

/// <summary>
/// The outbox dispatcher's spans. A sweep runs every 2 s; its span is named <see cref="SweepSpan"/> so that the
/// service defaults' sampler drops it, and the database spans under it, as a root: idle polling leaves no trace. Each
/// message's publish continues the trace of the request that wrote it; a failed sweep gets a root span of its own.
/// </summary>
public static class OutboxTelemetry
{
    /// <summary>Matched by the service defaults' <c>Threadline.*</c>.</summary>
    public const string SourceName = "Threadline.Platform.Outbox";

    /// <summary>Dropped as a root by the service defaults (QuietSpans).</summary>
    public const string SweepSpan = QuietSpans.OutboxSweep;

    public const string SweepFailedSpan = "outbox sweep failed";

    public const string DispatchSpan = "outbox dispatch";

    private static readonly ActivitySource Source = new(SourceName);

    public static Activity? StartSweep() => Source.StartActivity(SweepSpan);

    /// <summary>
    /// Starts the span that publishes one outbox row, as a child of the span that wrote the row. Call it from an async
    /// method: for a row without a stored context it clears Activity.Current, so that the publish starts its own trace
    /// instead of vanishing under the quiet sweep, and that change must not outlive the caller.
    /// </summary>
    public static Activity? StartDispatch(OutboxMessage message)
    {
        // OpenTelemetry's messaging conventions make the context the message was created in (here the request that
        // wrote the row, in the same transaction as its audited change) the one that travels with the message, and
        // allow a single message's send and process spans to be its children. Each row is published on its own, so the
        // publish is a child of the request: the trace shows request, publish and the consumer's work as one tree,
        // and the consumer's audit row records the request's trace id. The publish runs later, from another loop;
        // its start time shows the outbox delay.
        if (ActivityContext.TryParse(message.TraceParent, message.TraceState, isRemote: true, out var writer))
        {
            return Tag(Source.StartActivity(DispatchSpan, ActivityKind.Internal, writer), message);
        }

        Activity.Current = null;
        return Tag(Source.StartActivity(DispatchSpan), message);
    }

    /// <summary>A sweep that failed: a root span with the error, beside the warning the dispatcher logs.</summary>
    public static void RecordFailedSweep(Exception exception, TimeSpan retryIn)
    {
        using var activity = Source.StartActivity(SweepFailedSpan, ActivityKind.Internal, parentContext: default);
        activity?.SetTag("outbox.retry_in_ms", (long)retryIn.TotalMilliseconds);
        activity?.AddException(exception);
        activity?.SetStatus(ActivityStatusCode.Error, exception.GetType().Name);
    }

    private static Activity? Tag(Activity? activity, OutboxMessage message)
    {
        activity?.SetTag("messaging.message.id", message.MessageId.ToString("D"));
        activity?.SetTag("outbox.message_type", message.MessageType);
        return activity;
    }

    /// <summary>The context to store with a row written now: the current span's (the request's), if any.</summary>
    public static (string? TraceParent, string? TraceState) CurrentContext() =>
        Activity.Current is { IdFormat: ActivityIdFormat.W3C } current ? (current.Id, current.TraceStateString) : (null, null);
}
