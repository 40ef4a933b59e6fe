using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Threadline.AspNetCore;
using Threadline.MassTransit;

namespace Threadline.Platform.Posts;

/// <summary>What posts-api and job-worker both wire: the coverage health check and the audited MassTransit bus.</summary>
public static class PlatformServiceExtensions
{
    /// <summary>Reports the platform's capture coverage as health, read through the application's pooled connection.</summary>
    public static IHostApplicationBuilder AddPlatformCoverageHealthCheck(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHealthChecks().AddThreadlineCoverage(PlatformCoverage.Expectation,
            _ => builder.Configuration.GetRequiredConnectionString(ResourceNames.AppDatabase));
        return builder;
    }

    /// <summary>
    /// MassTransit over the AppHost's RabbitMQ, carrying the audit context in message headers both ways.
    /// <paramref name="consumers"/> registers a service's consumers; <paramref name="endpoints"/> configures their endpoints.
    /// </summary>
    public static IHostApplicationBuilder AddPlatformBus(
        this IHostApplicationBuilder builder,
        Action<IBusRegistrationConfigurator>? consumers = null,
        Action<IBusRegistrationContext, IRabbitMqBusFactoryConfigurator>? endpoints = null)
    {
        builder.Services.AddMassTransit(bus =>
        {
            consumers?.Invoke(bus);
            // MassTransit 8.4+ reports usage to its vendor over the internet after start: an outbound call the platform
            // must not make (and, offline, an error trace in the dashboard every run).
            bus.ConfigureUsageTelemetryOptions(telemetry => telemetry.Enabled = false);
            bus.UsingRabbitMq((context, rabbit) =>
            {
                rabbit.Host(new Uri(builder.Configuration.GetRequiredConnectionString(ResourceNames.RabbitMQ)));
                rabbit.UseThreadlineAuditContext(context);
                endpoints?.Invoke(context, rabbit);
            });
        });
        return builder;
    }
}
