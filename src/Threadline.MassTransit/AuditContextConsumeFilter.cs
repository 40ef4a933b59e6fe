using System.Diagnostics;
using MassTransit;

namespace Threadline.MassTransit;

/// <summary>
/// Restores the audit context from message headers for the duration of a consume: the original actor, the
/// original request and correlation ids, this message's id as the job id, the current trace, and "job" as source.
/// A message whose headers carry a malformed actor is faulted (and lands in the error queue), never consumed
/// under a made-up identity.
/// </summary>
/// <typeparam name="T">The consumed message type.</typeparam>
/// <param name="accessor">Where the restored context is made current.</param>
public sealed class AuditContextConsumeFilter<T>(IAuditContextAccessor accessor) : IFilter<ConsumeContext<T>>
    where T : class
{
    /// <summary>The <see cref="AuditContext.Source"/> of every consumed message's context.</summary>
    public const string Source = "job";

    /// <summary>
    /// Runs the rest of the consume pipeline (the consumer included) with the context read from the message's headers
    /// current, and restores the previous context afterwards. Without an actor header the actor is the job named after the
    /// message type.
    /// </summary>
    /// <param name="context">The message being consumed.</param>
    /// <param name="next">The rest of the pipeline.</param>
    /// <exception cref="AuditContextException">
    /// A header carries a malformed actor or id; MassTransit faults the message instead of consuming it under a made-up identity.
    /// </exception>
    public async Task Send(ConsumeContext<T> context, IPipe<ConsumeContext<T>> next)
    {
        using (accessor.Begin(Read(context)))
        {
            await next.Send(context).ConfigureAwait(false);
        }
    }

    /// <summary>Names this filter (<c>threadlineAuditContext</c>) in MassTransit's pipeline diagnostics.</summary>
    /// <param name="context">The probe being built.</param>
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
