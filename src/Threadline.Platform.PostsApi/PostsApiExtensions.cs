using Threadline.AspNetCore;
using Threadline.MassTransit;
using Threadline.Platform.Outbox;
using Threadline.Platform.Posts;

namespace Threadline.Platform.PostsApi;

public static class PostsApiExtensions
{
    public static WebApplicationBuilder AddPostsApiServices(this WebApplicationBuilder builder)
    {
        builder.AddPostsDbContext();
        builder.AddProblemDetailsResponses();
        // A transient database failure is a 503 with Retry-After, never a 500 (Threadline's rule, ThreadlineErrors).
        builder.Services.AddThreadlineErrorResponses();
        builder.AddJwtBearerAuthentication(PlatformConfig.SigningKey, PlatformAuth.ValidationParameters);
        builder.Services.AddThreadlineHttpContext();
        builder.Services.AddOutboxDispatcher<PostsDbContext>((services, outbox) =>
        {
            outbox.InstanceId = services.GetRequiredService<ServiceInstance>().Id;
            outbox.AddMessage<PostChanged>();
        });
        builder.Services.AddSingleton<FaultInjection>();
        builder.AddWriteBackpressure();
        builder.Services.AddOpenApi();
        builder.AddPlatformCoverageHealthCheck();
        // posts-api only publishes (through its outbox): no consumers.
        builder.AddPlatformBus();
        return builder;
    }

    public static WebApplication UsePostsApiPipeline(this WebApplication app)
    {
        app.UseServiceInstanceHeader();
        app.UseProblemDetailsResponses();
        app.UseAuthentication();
        app.UseAuthorization();
        app.Use(RefuseUnknownCharset);
        app.UseThreadlineAuditContext();
        app.UseRateLimiter();
        return app;
    }

    /// <summary>
    /// A JSON body declared in a charset .NET does not know (<c>application/json; charset=klingon</c>) is refused with 415:
    /// the JSON body reader would otherwise throw an InvalidOperationException, answered as a 500.
    /// </summary>
    private static Task RefuseUnknownCharset(HttpContext context, RequestDelegate next)
    {
        if (Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(context.Request.ContentType, out var type)
            && type.Charset is { HasValue: true } charset
            && !IsKnownEncoding(charset.Value!))
        {
            return Results.Problem(
                title: "Unsupported charset",
                detail: "Send JSON as UTF-8.",
                statusCode: StatusCodes.Status415UnsupportedMediaType).ExecuteAsync(context);
        }

        return next(context);
    }

    private static bool IsKnownEncoding(string name)
    {
        try
        {
            System.Text.Encoding.GetEncoding(name.Trim('"'));
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
