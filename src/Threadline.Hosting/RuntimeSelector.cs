using System.Diagnostics;
using Microsoft.Extensions.Configuration;

namespace Threadline.Hosting;

/// <summary>
/// Chooses the runtime before the application model is built (Aspire waits forever for a container runtime
/// that does not answer, so the choice cannot be deferred). Configuration key <c>Threadline:Runtime</c>:
/// <c>auto</c> (default: containers when <c>docker info</c> answers), <c>container</c> or <c>local</c>.
/// </summary>
public static class RuntimeSelector
{
    /// <summary>The configuration key that chooses the runtime: <c>auto</c>, <c>container</c> or <c>local</c>.</summary>
    public const string ConfigurationKey = "Threadline:Runtime";

    /// <summary>
    /// Reads <see cref="ConfigurationKey"/>; for <c>auto</c> (or no value) runs <c>docker info</c>, then <c>podman info</c>,
    /// and picks containers if one answers within 10 seconds.
    /// </summary>
    /// <param name="configuration">The AppHost configuration.</param>
    /// <returns>The chosen mode and why it was chosen, for the log.</returns>
    /// <exception cref="InvalidOperationException">The key has a value other than auto, container(s) or local.</exception>
    public static (RuntimeMode Mode, string Reason) Select(IConfiguration configuration)
    {
        var configured = configuration[ConfigurationKey]?.Trim().ToLowerInvariant();
        switch (configured)
        {
            case null or "" or "auto":
                return ContainerRuntimeAnswers(out var detail)
                    ? (RuntimeMode.Container, $"auto: a container runtime answered ({detail})")
                    : (RuntimeMode.Local, $"auto: no container runtime answered ({detail}); using local executables");
            case "container" or "containers":
                return (RuntimeMode.Container, $"{ConfigurationKey}={configured}");
            case "local":
                return (RuntimeMode.Local, $"{ConfigurationKey}={configured}");
            default:
                throw new InvalidOperationException(
                    $"{ConfigurationKey} is '{configured}'; expected auto, container or local.");
        }
    }

    private static bool ContainerRuntimeAnswers(out string detail)
    {
        foreach (var runtime in new[] { "docker", "podman" })
        {
            try
            {
                using var process = Process.Start(new ProcessStartInfo(runtime, "info --format {{.ServerVersion}}")
                {
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                    UseShellExecute = false,
                });
                if (process is null)
                {
                    continue;
                }

                if (!process.WaitForExit(TimeSpan.FromSeconds(10)))
                {
                    process.Kill(entireProcessTree: true);
                    continue;
                }

                if (process.ExitCode == 0)
                {
                    detail = $"{runtime} {process.StandardOutput.ReadToEnd().Trim()}";
                    return true;
                }
            }
            catch (System.ComponentModel.Win32Exception)
            {
                // Not installed: try the next one.
            }
        }

        detail = "docker info and podman info failed or are not installed";
        return false;
    }
}
