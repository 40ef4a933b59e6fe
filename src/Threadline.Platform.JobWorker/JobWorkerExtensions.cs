using MassTransit;
using Threadline.AspNetCore;
using Threadline.MassTransit;
using Threadline.Platform.Posts;

namespace Threadline.Platform.JobWorker;

public static class JobWorkerExtensions
{
    public static WebApplicationBuilder AddJobWorkerServices(this WebApplicationBuilder builder)
    {
        builder.AddPostsDbContext();
        builder.Services.AddHealthChecks().AddThreadlineCoverage(PlatformCoverage.Expectation,
            _ => builder.Configuration.GetConnectionString(ResourceNames.AppDatabase) ?? throw new InvalidOperationException($"Connection string '{ResourceNames.AppDatabase}' is missing."));
        builder.Services.AddMassTransit(bus =>
        {
            bus.AddConsumer<RefreshPostConsumer>();
            // MassTransit 8.4+ reports usage to its vendor over the internet after start: an outbound call the platform
            // must not make (and, offline, an error trace in the dashboard every run).
            bus.ConfigureUsageTelemetryOptions(telemetry => telemetry.Enabled = false);
            bus.UsingRabbitMq((context, rabbit) =>
            {
                rabbit.Host(new Uri(builder.Configuration.GetConnectionString(ResourceNames.RabbitMQ)
                    ?? throw new InvalidOperationException($"Connection string '{ResourceNames.RabbitMQ}' is missing.")));
                rabbit.UseThreadlineAuditContext(context);
                rabbit.UseMessageRetry(retry => retry.Intervals(100, 500, 2000));
                rabbit.ConfigureEndpoints(context);
            });
        });
        return builder;
    }
}
