using MassTransit;
using Threadline.Platform.Posts;

namespace Threadline.Platform.JobWorker;

public static class JobWorkerExtensions
{
    public static WebApplicationBuilder AddJobWorkerServices(this WebApplicationBuilder builder)
    {
        builder.AddPostsDbContext();
        builder.AddPlatformCoverageHealthCheck();
        builder.AddPlatformBus(
            bus => bus.AddConsumer<RefreshPostConsumer>(),
            (context, rabbit) =>
            {
                // A transient database failure (a restart, a lost connection, a deadlock: ThreadlineErrors) is retried for
                // long enough to outlast a restart on a loaded machine, about a minute; any other failure three times, then
                // the message goes to the error queue. The consumer is idempotent, so a retry never applies a job twice.
                rabbit.UseMessageRetry(retry =>
                {
                    retry.Handle<Exception>(ThreadlineErrors.IsTransient);
                    retry.Exponential(12, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(200));
                });
                rabbit.UseMessageRetry(retry =>
                {
                    retry.Ignore<Exception>(ThreadlineErrors.IsTransient);
                    retry.Intervals(100, 500, 2000);
                });
                rabbit.ConfigureEndpoints(context);
            });
        return builder;
    }
}
