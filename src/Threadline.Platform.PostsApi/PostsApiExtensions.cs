using MassTransit;
using Threadline.AspNetCore;
using Threadline.MassTransit;
using Threadline.Platform.Posts;

namespace Threadline.Platform.PostsApi;

public static class PostsApiExtensions
{
    public static WebApplicationBuilder AddPostsApiServices(this WebApplicationBuilder builder)
    {
        builder.AddPostsDbContext();
        builder.AddPlatformAuthentication();
        builder.Services.AddThreadlineHttpContext();
        builder.Services.AddHealthChecks().AddThreadlineCoverage(PlatformCoverage.Expectation,
            _ => builder.Configuration.GetConnectionString(ResourceNames.AppDatabase) ?? throw new InvalidOperationException($"Connection string '{ResourceNames.AppDatabase}' is missing."));
        builder.Services.AddMassTransit(bus =>
        {
            bus.UsingRabbitMq((context, rabbit) =>
            {
                rabbit.Host(new Uri(builder.Configuration.GetConnectionString(ResourceNames.RabbitMQ)
                    ?? throw new InvalidOperationException($"Connection string '{ResourceNames.RabbitMQ}' is missing.")));
                rabbit.UseThreadlineAuditContext(context);
            });
        });
        return builder;
    }

    public static WebApplication UsePostsApiPipeline(this WebApplication app)
    {
        app.UsePlatformAuthentication();
        app.UseThreadlineAuditContext();
        return app;
    }
}
