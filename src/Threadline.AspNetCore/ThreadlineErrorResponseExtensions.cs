using Microsoft.Extensions.DependencyInjection;

namespace Threadline.AspNetCore;

/// <summary>Registers Threadline's mapping of database failures to HTTP responses.</summary>
public static class ThreadlineErrorResponseExtensions
{
    /// <summary>
    /// Adds <see cref="ThreadlineRefusalHandler"/> (Threadline's refusals of a write: 401 or 500) and
    /// <see cref="TransientDatabaseFailureHandler"/> (503) as exception handlers, in that order, and problem details if
    /// they are not registered yet. The pipeline needs <c>app.UseExceptionHandler()</c> for exception handlers to run.
    /// </summary>
    /// <param name="services">The application's services.</param>
    /// <param name="configure">Changes the options, for example <see cref="ThreadlineErrorResponseOptions.RetryAfter"/>.</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    public static IServiceCollection AddThreadlineErrorResponses(this IServiceCollection services, Action<ThreadlineErrorResponseOptions>? configure = null)
    {
        services.AddProblemDetails();
        services.AddOptions<ThreadlineErrorResponseOptions>().Configure(o => configure?.Invoke(o));
        // The refusal handler first: the transient handler logs every failure it does not take as unclassified.
        services.AddExceptionHandler<ThreadlineRefusalHandler>();
        services.AddExceptionHandler<TransientDatabaseFailureHandler>();
        return services;
    }
}
