using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Threadline.AspNetCore;

/// <summary>Runs <see cref="AuditSealingService"/> in a host, so the audit trail is sealed on an interval.</summary>
public static class ThreadlineSealingExtensions
{
    /// <summary>The configuration section <see cref="ThreadlineSealingOptions"/> are bound from.</summary>
    public const string DefaultSection = "Threadline:Sealing";

    /// <summary>
    /// Seals the audit trail on an interval in this host. Options come from <paramref name="configuration"/>'s
    /// "Threadline:Sealing" section (ConnectionString, Interval, SkipWhenNothingNew), then <paramref name="configure"/>.
    /// </summary>
    public static IServiceCollection AddThreadlineSealing(this IServiceCollection services, IConfiguration? configuration = null, Action<ThreadlineSealingOptions>? configure = null)
    {
        var builder = services.AddOptions<ThreadlineSealingOptions>();
        if (configuration is not null)
        {
            builder.Bind(configuration.GetSection(DefaultSection));
        }

        builder.Configure(o => configure?.Invoke(o))
            .Validate(o => !string.IsNullOrWhiteSpace(o.ConnectionString), "Threadline:Sealing:ConnectionString is required (the owner or a retention role).")
            .Validate(o => o.Interval >= TimeSpan.FromSeconds(1), "Threadline:Sealing:Interval must be at least one second.")
            .ValidateOnStart();
        services.AddHostedService<AuditSealingService>();
        return services;
    }
}
