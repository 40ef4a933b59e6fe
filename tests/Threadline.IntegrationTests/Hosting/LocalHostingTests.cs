using System.Diagnostics;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Threadline.Hosting;
using Threadline.IntegrationTests.Infrastructure;
using Threadline.Testing;
using Xunit.Abstractions;

namespace Threadline.IntegrationTests.Hosting;

/// <summary>
/// The local runtime of Threadline.Hosting on its own: only the PostgreSQL resource, in an AppHost-less application
/// (no platform), so these stay light. Issue 17: starting from any path, and a failed start that says why.
/// </summary>
[Trait(RuntimeTrait.Name, RuntimeTrait.Local)]
public sealed class LocalHostingTests(ITestOutputHelper output)
{
    private const string Name = "pg-hosting-test";

    [Fact]
    public async Task Postgres_reaches_healthy_with_a_run_folder_path_longer_than_the_unix_socket_limit()
    {
        // Longer than the kernel's 107-byte limit for a socket path even before the run folder's own name is added.
        // Parents per user (issue 29): a fixed one left by a run as root could not be written by anyone else.
        var parent = Path.Combine(Path.GetTempPath(), $"threadline-long-path-{Environment.UserName}");
        var root = Path.Combine(parent, new string('p', 100), Guid.NewGuid().ToString("N")[..8]);
        Assert.True(root.Length > 107, $"{root} is only {root.Length} characters");
        try
        {
            var clock = Stopwatch.StartNew();
            await using var app = await BuildAsync(root);
            await using var diagnostics = new ResourceDiagnostics(app);
            await diagnostics.GuardAsync("PostgreSQL start", PlatformBudgets.ResourceRestart, ResourceDiagnostics.FailedDuringStart, [Name], async ct =>
            {
                await app.StartAsync(ct);
                await app.ResourceNotifications.WaitForResourceHealthyAsync(Name, WaitBehavior.WaitOnResourceUnavailable, ct);
            });

            var runFolder = Assert.Single(Directory.GetDirectories(root, "run-*"));
            Assert.True(Directory.Exists(Path.Combine(runFolder, "postgres", "data", "base")), $"the cluster is not in {runFolder}");
            await using (var connection = new NpgsqlConnection(await app.GetConnectionStringAsync(Name) + ";Database=postgres;Pooling=false"))
            {
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand("SELECT current_setting('data_directory') || ' | ' || current_setting('unix_socket_directories')", connection);
                var settings = (string)(await command.ExecuteScalarAsync())!;
                output.WriteLine($"Healthy in {clock.Elapsed.TotalSeconds:F1} s from a {runFolder.Length}-character run folder; data_directory | unix_socket_directories: {settings}");
                Assert.StartsWith(runFolder, settings, StringComparison.Ordinal);
                Assert.EndsWith(" | ", settings, StringComparison.Ordinal);
            }

            await app.StopAsync().WaitAsync(PlatformBudgets.PlatformStop);
        }
        finally
        {
            TryDelete(parent);
        }
    }

    [Fact]
    public async Task A_resource_whose_process_exits_at_start_is_reported_at_once_with_its_name_and_log_lines()
    {
        var root = Path.Combine(Path.GetTempPath(), $"threadline-hosting-tests-{Environment.UserName}", Guid.NewGuid().ToString("N")[..8]);
        const string BadCommand = "/nonexistent/threadline-test/postgres";
        try
        {
            await using var app = await BuildAsync(root, $"--{InfrastructureRuntime.TestingPostgresCommandKey}={BadCommand}");
            await using var diagnostics = new ResourceDiagnostics(app);
            var clock = Stopwatch.StartNew();
            var failure = await Assert.ThrowsAsync<ResourceStartException>(() =>
                diagnostics.GuardAsync("PostgreSQL start", PlatformBudgets.ResourceRestart, ResourceDiagnostics.FailedDuringStart, [Name], async ct =>
                {
                    await app.StartAsync(ct);
                    await app.ResourceNotifications.WaitForResourceHealthyAsync(Name, WaitBehavior.WaitOnResourceUnavailable, ct);
                }));
            var took = clock.Elapsed;
            output.WriteLine($"Reported after {took.TotalSeconds:F1} s:\n{failure.Message}");

            Assert.Contains($"resource '{Name}' entered state", failure.Message, StringComparison.Ordinal);
            Assert.Contains("with exit code", failure.Message, StringComparison.Ordinal);
            Assert.Contains("state history:", failure.Message, StringComparison.Ordinal);
            // The process's own words, from its console output: why the command could not run.
            Assert.Contains("No such file or directory", failure.Message, StringComparison.Ordinal);
            Assert.Contains(BadCommand, failure.Message, StringComparison.Ordinal);
            // At once, not after the start budget.
            Assert.True(took < TimeSpan.FromMinutes(1), $"reported after {took}");
            await app.StopAsync().WaitAsync(PlatformBudgets.PlatformStop);
        }
        finally
        {
            TryDelete(root);
        }
    }

    [RootOnLinuxFact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void A_root_the_postgres_user_cannot_reach_moves_the_run_elsewhere_and_changes_no_permissions()
    {
        var parent = Path.Combine(Path.GetTempPath(), "threadline-private-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(parent);
        try
        {
            File.SetUnixFileMode(parent, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var root = Path.Combine(parent, ".threadline");
            var logger = new ListLogger();
            var run = LocalRunDirectory.Create(root, InfrastructureRuntime.ServiceUser, logger);
            try
            {
                output.WriteLine(string.Join('\n', logger.Messages));
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(parent));
                Assert.StartsWith(LocalRunDirectory.FallbackBase + "/", run.Path, StringComparison.Ordinal);
                var warning = Assert.Single(logger.Messages);
                Assert.Contains(parent, warning, StringComparison.Ordinal);
                Assert.Contains("0700", warning, StringComparison.Ordinal);
                Assert.Contains(run.Root, warning, StringComparison.Ordinal);
            }
            finally
            {
                // The fallback root is named after this test's unique root, so it holds nothing else.
                TryDelete(run.Root);
            }
        }
        finally
        {
            TryDelete(parent);
        }
    }

    /// <summary>
    /// An application with nothing but the local PostgreSQL resource, built through the hosting extension methods.
    /// DistributedApplicationTestingBuilder.Create needs a calling assembly that carries the AppHost SDK's DCP metadata,
    /// which a test assembly does not; a plain builder pointed at the AppHost's assembly for that metadata works.
    /// </summary>
    private static Task<DistributedApplication> BuildAsync(string localDataRoot, params string[] extra)
    {
        var builder = DistributedApplication.CreateBuilder(new DistributedApplicationOptions
        {
            Args =
            [
                $"--{RuntimeSelector.ConfigurationKey}=local",
                $"--Threadline:LocalDataRoot={localDataRoot}",
                $"--Parameters:{Name}-password={Guid.NewGuid():N}",
                .. extra,
            ],
            AssemblyName = "Threadline.AppHost",
            DisableDashboard = true,
            AllowUnsecuredTransport = true,
        });
        builder.Services.AddLogging(logging =>
        {
            logging.SetMinimumLevel(LogLevel.Information);
            logging.AddFilter("Aspire.Hosting.Dcp", LogLevel.Warning);
            logging.AddSimpleConsole(o => o.SingleLine = true);
        });
        var runtime = InfrastructureRuntime.Create(builder);
        var password = builder.AddParameter($"{Name}-password", secret: true);
        runtime.AddThreadlinePostgres(Name, "hostingtest", password);
        return Task.FromResult(builder.Build());
    }

    private static void TryDelete(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private sealed class ListLogger : ILogger
    {
        public List<string> Messages { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Messages.Add($"{logLevel}: {formatter(state, exception)}");
    }
}
