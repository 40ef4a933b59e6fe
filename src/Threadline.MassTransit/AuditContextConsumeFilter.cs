using System.Diagnostics;
using MassTransit;

namespace Threadline.MassTransit;

/// <summary>
/// Restores the audit context from message headers for the duration of a consume: the original actor, the
/// original request and correlation ids, this message's id as the job id, the current trace, and "job" as source.
/// A message whose headers carry a malformed actor is faulted (and lands in the error queue), never consumed
/// under a made-up identity.
/// </summary>
public sealed class AuditContextConsumeFilter<T>(IAuditContextAccessor accessor) : IFilter<ConsumeContext<T>>
    where T : class
{
    public const string Source = "job";

    public async Task Send(ConsumeContext<T> context, IPipe<ConsumeContext<T>> next)
    {
        using (accessor.Begin(Read(context)))
        {
            await next.Send(context).ConfigureAwait(false);
        }
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("threadlineAuditContext");

    internal static AuditContext Read(ConsumeContext context)
    {
        var jobId = context.MessageId?.ToString("D");
        var actorJson = context.Headers.Get<string>(AuditHeaders.Actor);
        var actor = actorJson is null
            ? ActorRef.Job(typeof(T).Name)
            : ActorRef.Parse(actorJson);
        var onBehalfOfJson = context.Headers.Get<string>(AuditHeaders.OnBehalfOf);
        return new AuditContext(actor)
        {
            OnBehalfOf = onBehalfOfJson is null ? null : ActorRef.Parse(onBehalfOfJson),
            RequestId = context.Headers.Get<string>(AuditHeaders.RequestId),
            CorrelationId = context.Headers.Get<string>(AuditHeaders.CorrelationId) ?? context.CorrelationId?.ToString("D"),
            TraceId = Activity.Current?.TraceId.ToHexString(),
            JobId = jobId,
            Source = Source,
        };
    }
}
