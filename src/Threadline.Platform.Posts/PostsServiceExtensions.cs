using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Threadline.EntityFrameworkCore;

namespace Threadline.Platform.Posts;

public static class PostsServiceExtensions
{
    /// <summary>
    /// Registers <see cref="PostsDbContext"/> on the pooled (PgBouncer) connection, with the Threadline interceptor
    /// that stamps the audit context into every write.
    /// </summary>
    public static IHostApplicationBuilder AddPostsDbContext(this IHostApplicationBuilder builder)
    {
        builder.Services.AddThreadlineAuditContext();
        // Each audit span links to the transaction's page in the admin UI, when the AppHost says where that runs.
        var adminUrl = builder.Configuration[PlatformConfig.AdminUrl];
        var auditUrlTemplate = string.IsNullOrEmpty(adminUrl) ? null : adminUrl.TrimEnd('/') + PlatformConfig.AdminTransactionPath;
        builder.Services.AddDbContext<PostsDbContext>((services, options) => options
            .UseNpgsql(builder.Configuration.GetRequiredConnectionString(ResourceNames.AppDatabase))
            .UseThreadline(services.GetRequiredService<IAuditContextAccessor>(), auditUrlTemplate));
        // Retries would re-run a failed transaction outside the caller's control; the API reports errors instead.
        builder.EnrichNpgsqlDbContext<PostsDbContext>(settings => settings.DisableRetry = true);
        return builder;
    }
}
