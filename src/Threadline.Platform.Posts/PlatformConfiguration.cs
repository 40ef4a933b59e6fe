using Microsoft.Extensions.Configuration;

namespace Threadline.Platform.Posts;

/// <summary>Configuration the platform's services cannot start without.</summary>
public static class PlatformConfiguration
{
    /// <summary>The connection string the AppHost passes for <paramref name="name"/>; a clear error when it did not.</summary>
    public static string GetRequiredConnectionString(this IConfiguration configuration, string name) =>
        configuration.GetConnectionString(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"Connection string '{name}' is missing.");
}
