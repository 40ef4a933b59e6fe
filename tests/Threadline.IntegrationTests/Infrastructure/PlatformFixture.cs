using System.Net.Http.Headers;
using System.Security.Cryptography;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Threadline.Platform;
using Threadline.Testing;

namespace Threadline.IntegrationTests.Infrastructure;

/// <summary>
/// The whole reference platform (PostgreSQL, PgBouncer, RabbitMQ, schema manager, API, worker, admin), started once
/// per test run from the real AppHost and shared by every integration test. The dashboard is off unless a derived
/// fixture (<see cref="DashboardPlatformFixture"/>) asks for it.
/// </summary>
public class PlatformFixture : IAsyncLifetime
{
    /// <summary>posts-api runs this many writes and queues as many more; tests stay below it unless they mean to overload.</summary>
    public const int WriteLimit = 16;

    private readonly DashboardEndpoints? _dashboard;
    private DistributedApplication? _app;
    private ResourceDiagnostics? _diagnostics;

    public PlatformFixture()
    {
    }

    /// <summary>Starts the platform with the Aspire dashboard on <paramref name="dashboard"/>'s ports.</summary>
    protected PlatformFixture(DashboardEndpoints dashboard)
    {
        _dashboard = dashboard;
    }

    public string SigningKey { get; } = Convert.ToHexString(RandomNumberGenerator.GetBytes(32));

    public DistributedApplication App => _app ?? throw new InvalidOperationException("The platform is not started.");

    /// <summary>Every resource's state history and last log lines since the platform was built, for failure messages.</summary>
    public ResourceDiagnostics Diagnostics => _diagnostics ?? throw new InvalidOperationException("The platform is not started.");

    /// <summary>Through PgBouncer, as the application role.</summary>
    public string AppConnectionString { get; private set; } = "";

    /// <summary>Through PgBouncer, as the auditor role.</summary>
    public string AuditorConnectionString { get; private set; } = "";

    /// <summary>Direct to PostgreSQL as the superuser: test setup and assertions only.</summary>
    public string DirectConnectionString { get; private set; } = "";

    public TimeSpan StartupTime { get; private set; }

    /// <summary>The dashboard's ports, for a fixture that started one.</summary>
    protected DashboardEndpoints Dashboard => _dashboard ?? throw new InvalidOperationException("This platform runs without the dashboard.");

    public virtual async Task InitializeAsync()
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Threadline_AppHost>(
            [
                $"--Parameters:jwt-signing-key={SigningKey}",
                $"--{PlatformConfig.FaultInjection}=true",
                // Small write limits, so BackpressureTests can overload the API without flooding the machine.
                $"--{PlatformConfig.WritesMaxConcurrent}={WriteLimit}",
                $"--{PlatformConfig.WritesQueueLimit}={WriteLimit}",
                .. _dashboard?.AppHostArguments() ?? [],
            ],
            (options, _) => options.DisableDashboard = _dashboard is null);
        builder.Services.AddLogging(logging =>
        {
            logging.SetMinimumLevel(LogLevel.Information);
            logging.AddFilter("Aspire.Hosting.Dcp", LogLevel.Warning);
            logging.AddSimpleConsole(o => o.SingleLine = true);
        });
        _app = await builder.BuildAsync();
        _diagnostics = new ResourceDiagnostics(_app);
        // Fails at once, naming the resource and its last log lines, when any resource fails to start or its process exits
        // with an error; otherwise within the shared start budget (PlatformBudgets), naming what is not healthy.
        string[] services = [ResourceNames.PostsApi, ResourceNames.JobWorker, ResourceNames.AdminService];
        try
        {
            await _diagnostics.GuardAsync("Platform start", PlatformBudgets.PlatformStart, ResourceDiagnostics.FailedDuringStart, services, async ct =>
            {
                await _app.StartAsync(ct);
                foreach (var resource in services)
                {
                    await _app.ResourceNotifications.WaitForResourceHealthyAsync(resource, WaitBehavior.WaitOnResourceUnavailable, ct);
                }
            });
        }
        catch (ResourceStartException)
        {
            // Leave no process behind for the next collection; the exception already says what failed.
            await DisposeAsync();
            _app = null;
            _diagnostics = null;
            throw;
        }

        AppConnectionString = await ConnectionStringAsync(ResourceNames.AppDatabase);
        AuditorConnectionString = await ConnectionStringAsync(ResourceNames.AuditReaderDatabase);
        DirectConnectionString = await ConnectionStringAsync(ResourceNames.DirectDatabase);
        StartupTime = started.Elapsed;
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            try
            {
                await _app.StopAsync().WaitAsync(PlatformBudgets.PlatformStop);
            }
            finally
            {
                if (_diagnostics is not null)
                {
                    await _diagnostics.DisposeAsync();
                }

                await _app.DisposeAsync();
            }
        }
    }

    public HttpClient CreateClient(string resource, string? subject = null, params string[] roles)
    {
        var client = App.CreateHttpClient(resource, "http");
        if (subject is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", IssueToken(subject, roles));
        }

        return client;
    }

    public string IssueToken(string subject, params string[] roles) => PlatformAuth.IssueToken(SigningKey, subject, roles);

    public async Task<NpgsqlConnection> OpenDirectAsync()
    {
        var connection = new NpgsqlConnection(DirectConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    private async Task<string> ConnectionStringAsync(string name) =>
        await App.GetConnectionStringAsync(name) ?? throw new InvalidOperationException($"No connection string for {name}.");
}

[CollectionDefinition(Name)]
public sealed class PlatformCollection : ICollectionFixture<PlatformFixture>
{
    public const string Name = "platform";
}

/// <summary>
/// A second, separate platform for tests that break infrastructure on purpose (restarting PgBouncer leaves dead
/// connections in every client pool), so they cannot disturb the shared platform. Collections run one after the
/// other (see AssemblyInfo.cs), so the two platforms never run at the same time.
/// </summary>
[CollectionDefinition(Name)]
public sealed class FaultPlatformCollection : ICollectionFixture<PlatformFixture>
{
    public const string Name = "platform-faults";
}
