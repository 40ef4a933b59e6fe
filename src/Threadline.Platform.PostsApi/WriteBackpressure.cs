using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace Threadline.Platform.PostsApi;

/// <summary>
/// Sheds write load beyond what the 3-connection pooler can serve: a bounded number of writes run, a bounded queue
/// waits, and the rest get 503 with Retry-After at once, instead of piling onto PgBouncer until clients time out.
/// Limits come from PlatformConfig.WritesMaxConcurrent and WritesQueueLimit (defaults 32 and 64).
/// </summary>
public static class WriteBackpressure
{
    public const string Policy = "writes";

    public static WebApplicationBuilder AddWriteBackpressure(this WebApplicationBuilder builder)
    {
        var permits = builder.Configuration.GetValue(PlatformConfig.WritesMaxConcurrent, 32);
        var queue = builder.Configuration.GetValue(PlatformConfig.WritesQueueLimit, 64);
        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.AddConcurrencyLimiter(Policy, options =>
            {
                options.PermitLimit = permits;
                options.QueueLimit = queue;
                options.QueueProcessingOrder = QueueProcessingOrder.OldestFirst;
            });
            limiter.OnRejected = (context, cancellationToken) =>
            {
                context.HttpContext.Response.Headers.RetryAfter = "1";
                return new ValueTask(Results.Problem(
                    title: "Too busy",
                    detail: string.Create(CultureInfo.InvariantCulture, $"More than {permits + queue} writes are in flight; nothing was written. Retry after 1 second."),
                    statusCode: StatusCodes.Status503ServiceUnavailable).ExecuteAsync(context.HttpContext));
            };
        });
        return builder;
    }
}
