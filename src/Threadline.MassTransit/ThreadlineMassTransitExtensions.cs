using MassTransit;

namespace Threadline.MassTransit;

/// <summary>Installs Threadline's audit context filters on a MassTransit bus.</summary>
public static class ThreadlineMassTransitExtensions
{
    /// <summary>
    /// Carries the audit context through the bus: publish and send filters write it into headers, and a consume
    /// filter restores it around every consumer. Call inside the transport's configure callback.
    /// </summary>
    public static void UseThreadlineAuditContext(this IBusFactoryConfigurator configurator, IRegistrationContext context)
    {
        ArgumentNullException.ThrowIfNull(configurator);
        ArgumentNullException.ThrowIfNull(context);
        configurator.UsePublishFilter(typeof(AuditContextPublishFilter<>), context);
        configurator.UseSendFilter(typeof(AuditContextSendFilter<>), context);
        configurator.UseConsumeFilter(typeof(AuditContextConsumeFilter<>), context);
    }
}
