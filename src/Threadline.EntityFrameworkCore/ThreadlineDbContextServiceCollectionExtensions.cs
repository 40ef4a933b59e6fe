using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Threadline.Schema;

namespace Threadline.EntityFrameworkCore;

/// <summary>Adds Threadline's EF Core bridge to a context registered in dependency injection.</summary>
public static class ThreadlineDbContextServiceCollectionExtensions
{
    /// <summary>
    /// Adds <c>UseThreadline</c> to every options instance built for <typeparamref name="TContext"/>, whichever way the
    /// context is registered: <c>AddDbContext</c>, <c>AddDbContextPool</c>, <c>AddDbContextFactory</c>,
    /// <c>AddPooledDbContextFactory</c> or Aspire's <c>AddNpgsqlDbContext</c>. Registers the singleton
    /// <see cref="IAuditContextAccessor"/> too (<see cref="ThreadlineServiceCollectionExtensions.AddThreadlineAuditContext"/>),
    /// which the interceptors read at each write: a pooled context attributes its writes to the operation that rented it.
    /// </summary>
    /// <remarks>
    /// Built on EF Core's <c>ConfigureDbContext</c>; the registration needs nothing scoped, so it is a singleton and pooled
    /// options (built from the root provider) can use it. Call it before or after the context's registration.
    /// </remarks>
    /// <typeparam name="TContext">The context type.</typeparam>
    /// <param name="services">The application's services.</param>
    /// <param name="auditUrlTemplate">A page showing an audit transaction, with <c>{id}</c> for its id, put on the audit span; null for none.</param>
    /// <param name="schema">The audit schema's options when it is not installed under the default name.</param>
    /// <returns><paramref name="services"/>.</returns>
    /// <exception cref="InvalidOperationException">
    /// When the context's options are built: <see cref="IAuditContextAccessor"/> is registered as scoped or transient.
    /// </exception>
    public static IServiceCollection AddThreadlineToDbContext<TContext>(this IServiceCollection services, string? auditUrlTemplate = null, ThreadlineSchemaOptions? schema = null)
        where TContext : DbContext
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddThreadlineAuditContext();
        return services.ConfigureDbContext<TContext>(
            (provider, options) =>
            {
                // Checked when the options are built, so a registration made after this call counts too.
                RequireSingletonAccessor(services);
                options.UseThreadline(provider.GetRequiredService<IAuditContextAccessor>(), auditUrlTemplate, schema);
            },
            ServiceLifetime.Singleton);
    }

    /// <summary>
    /// Refuses a scoped or transient accessor: pooled options are built once, from the root provider, so such an accessor
    /// would be one instance shared by every request that rents the context.
    /// </summary>
    private static void RequireSingletonAccessor(IServiceCollection services)
    {
        var registration = services.LastOrDefault(d => d.ServiceType == typeof(IAuditContextAccessor));
        if (registration is not null && registration.Lifetime != ServiceLifetime.Singleton)
        {
            throw new InvalidOperationException(
                $"IAuditContextAccessor is registered as {registration.Lifetime}; Threadline's EF Core bridge needs a singleton that reads the ambient " +
                "operation (AddThreadlineAuditContext registers one), because pooled contexts share their options across requests.");
        }
    }
}
