using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Threadline.Platform.Outbox;

public static class OutboxServiceCollectionExtensions
{
    /// <summary>
    /// Runs the outbox dispatcher for <typeparamref name="TDbContext"/> in this process (a hosted service), and
    /// registers <see cref="IOutboxWake"/> so that writers can wake it after a commit.
    /// </summary>
    public static IServiceCollection AddOutboxDispatcher<TDbContext>(this IServiceCollection services, Action<IServiceProvider, OutboxOptions> configure)
        where TDbContext : DbContext
    {
        services.AddSingleton(provider =>
        {
            var options = new OutboxOptions();
            configure(provider, options);
            return options;
        });
        services.AddSingleton<OutboxDispatcher<TDbContext>>();
        services.AddSingleton<IOutboxWake>(provider => provider.GetRequiredService<OutboxDispatcher<TDbContext>>());
        services.AddHostedService(provider => provider.GetRequiredService<OutboxDispatcher<TDbContext>>());
        return services;
    }
}
