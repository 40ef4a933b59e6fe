using MassTransit;

namespace Threadline.MassTransit;

/// <summary>Writes the current audit context into the headers of every published message.</summary>
/// <typeparam name="T">The published message type.</typeparam>
/// <param name="accessor">Supplies the current audit context.</param>
public sealed class AuditContextPublishFilter<T>(IAuditContextAccessor accessor) : IFilter<PublishContext<T>>
    where T : class
{
    /// <summary>
    /// Writes the current context (actor, on-behalf-of actor, request and correlation ids) into the message's headers, and a
    /// correlation id that is a GUID into <see cref="MessageContext.CorrelationId"/> when none is set. Without a current
    /// context the message goes out unchanged.
    /// </summary>
    /// <param name="context">The message being published.</param>
    /// <param name="next">The rest of the pipeline.</param>
    /// <returns>The rest of the pipeline's task.</returns>
    public Task Send(PublishContext<T> context, IPipe<PublishContext<T>> next)
    {
        AuditContextHeaderWriter.Write(accessor.Current, context);
        return next.Send(context);
    }

    /// <summary>Names this filter (<c>threadlineAuditContext</c>) in MassTransit's pipeline diagnostics.</summary>
    /// <param name="context">The probe being built.</param>
    public void Probe(ProbeContext context) => context.CreateFilterScope("threadlineAuditContext");
}

/// <summary>Writes the current audit context into the headers of every sent message.</summary>
/// <typeparam name="T">The sent message type.</typeparam>
/// <param name="accessor">Supplies the current audit context.</param>
public sealed class AuditContextSendFilter<T>(IAuditContextAccessor accessor) : IFilter<SendContext<T>>
    where T : class
{
    /// <summary>
    /// Writes the current context (actor, on-behalf-of actor, request and correlation ids) into the message's headers, and a
    /// correlation id that is a GUID into <see cref="MessageContext.CorrelationId"/> when none is set. Without a current
    /// context the message goes out unchanged.
    /// </summary>
    /// <param name="context">The message being sent.</param>
    /// <param name="next">The rest of the pipeline.</param>
    /// <returns>The rest of the pipeline's task.</returns>
    public Task Send(SendContext<T> context, IPipe<SendContext<T>> next)
    {
        AuditContextHeaderWriter.Write(accessor.Current, context);
        return next.Send(context);
    }

    /// <summary>Names this filter (<c>threadlineAuditContext</c>) in MassTransit's pipeline diagnostics.</summary>
    /// <param name="context">The probe being built.</param>
    public void Probe(ProbeContext context) => context.CreateFilterScope("threadlineAuditContext");
}

internal static class AuditContextHeaderWriter
{
    public static void Write(AuditContext? audit, SendContext context)
    {
        if (audit is null)
        {
            return;
        }

        context.Headers.Set(AuditHeaders.Actor, audit.Actor.ToJson());
        if (audit.OnBehalfOf is not null)
        {
            context.Headers.Set(AuditHeaders.OnBehalfOf, audit.OnBehalfOf.ToJson());
        }

        if (audit.RequestId is not null)
        {
            context.Headers.Set(AuditHeaders.RequestId, audit.RequestId);
        }

        if (audit.CorrelationId is not null)
        {
            context.Headers.Set(AuditHeaders.CorrelationId, audit.CorrelationId);
            if (Guid.TryParse(audit.CorrelationId, out var correlationId))
            {
                context.CorrelationId ??= correlationId;
            }
        }
    }
}
