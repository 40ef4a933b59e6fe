using System.Diagnostics;

namespace Threadline.IntegrationTests.Infrastructure;

/// <summary>
/// Installs a Debian package the tests need when its file is missing, the way the AppHost installs PostgreSQL,
/// PgBouncer and RabbitMQ: as root with apt-get, otherwise one clear message naming the command. This is what lets
/// the README's <c>dotnet test Threadline.sln</c> pass on a fresh machine without <c>.ci/run</c>.
/// </summary>
public static class DebianPackage
{
    private static readonly SemaphoreSlim OneAtATime = new(1, 1);

    public static async Task EnsureAsync(string package, string requiredFile, string whatFor)
    {
        if (File.Exists(requiredFile))
        {
            return;
        }

        var command = $"apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends {package}";
        if (Environment.UserName != "root" || !File.Exists("/usr/bin/apt-get"))
        {
            throw new InvalidOperationException(
                $"{requiredFile} is missing: {whatFor} needs Debian's {package} package. Install it with: sudo sh -c '{command}'");
        }

        await OneAtATime.WaitAsync();
        try
        {
            if (File.Exists(requiredFile))
            {
                return;
            }

            using var process = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", command]) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true })
                ?? throw new InvalidOperationException("Could not start apt-get.");
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            // apt-get takes its own lock; a second apt on the machine (another test run, unattended upgrades) waits here.
            await process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromMinutes(15)).Token);
            if (process.ExitCode != 0 || !File.Exists(requiredFile))
            {
                throw new InvalidOperationException(
                    $"Installing {package} for {whatFor} failed (exit {process.ExitCode}); run it yourself: {command}\n{await errors}\n{Tail(await output)}");
            }
        }
        finally
        {
            OneAtATime.Release();
        }
    }

    private static string Tail(string text) => text.Length <= 2000 ? text : text[^2000..];
}
