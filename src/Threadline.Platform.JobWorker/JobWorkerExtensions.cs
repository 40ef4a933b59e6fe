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
                rabbit.UseMessageRetry(retry => retry.Intervals(100, 500, 2000));
                rabbit.ConfigureEndpoints(context);
            });
        return builder;
    }
}
