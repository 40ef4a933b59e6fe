using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Logging.Abstractions;

namespace Threadline.Hosting.Tests;

/// <summary>A resource's environment and arguments as a run would pass them (parameters resolved), without starting it.</summary>
public static class ResolvedConfiguration
{
    public static async Task<IReadOnlyDictionary<string, string>> EnvironmentAsync(IResource resource)
    {
        var configuration = await ExecutionConfigurationBuilder.Create(resource)
            .WithEnvironmentVariablesConfig()
            .BuildAsync(new(DistributedApplicationOperation.Run), NullLogger.Instance, CancellationToken.None);
        return configuration.EnvironmentVariables.ToDictionary();
    }

    public static async Task<IReadOnlyList<string>> ArgumentsAsync(IResource resource)
    {
        var configuration = await ExecutionConfigurationBuilder.Create(resource)
            .WithArgumentsConfig()
            .BuildAsync(new(DistributedApplicationOperation.Run), NullLogger.Instance, CancellationToken.None);
        return configuration.Arguments.Select(a => a.Value?.ToString() ?? "").ToList();
    }
}
