using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Threadline;

/// <summary>Registers Threadline's shared services in dependency injection.</summary>
public static class ThreadlineServiceCollectionExtensions
{
    /// <summary>Registers the singleton <see cref="IAuditContextAccessor"/> that the HTTP, messaging and EF Core bridges share.</summary>
    public static IServiceCollection AddThreadlineAuditContext(this IServiceCollection services)
    {
        services.TryAddSingleton<IAuditContextAccessor, AuditContextAccessor>();
        return services;
    }
}
