using System.Globalization;
using Aspire.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Threadline.Platform;
using Threadline.Testing;

namespace Threadline.IntegrationTests.Infrastructure;

/// <summary>
/// What every started topology gives a test: the running application (its model and resources), the diagnostics that
/// name a failing resource, and the connection strings of the reference platform's roles. Derived fixtures decide what
/// is started: <see cref="DatabaseFixture"/> PostgreSQL and PgBouncer only, <see cref="PlatformFixture"/> the whole
/// AppHost. Helpers (TemporaryDatabase, AuditRows, SecondPooler, ResourceControl) take this type, so a test
/// class moves between fixtures by its collection attribute and its constructor's fixture type alone.
/// </summary>
public abstract class TopologyFixture : IAsyncLifetime
{
    private DistributedApplication? _app;
    private ResourceDiagnostics? _diagnostics;

    public DistributedApplication App => _app ?? throw new InvalidOperationException("The topology is not started.");

    /// <summary>Every resource's state history and last log lines since the topology was built, for failure messages.</summary>
    public ResourceDiagnostics Diagnostics => _diagnostics ?? throw new InvalidOperationException("The topology is not started.");

    /// <summary>Through PgBouncer, as the application role.</summary>
    public string AppConnectionString { get; private set; } = "";

    /// <summary>Through PgBouncer, as the auditor role.</summary>
    public string AuditorConnectionString { get; private set; } = "";

    /// <summary>Direct to PostgreSQL as the superuser: test setup and assertions only.</summary>
    public string DirectConnectionString { get; private set; } = "";

    public TimeSpan StartupTime { get; private set; }

    /// <summary>Names the start in failure messages.</summary>
    protected abstract string StartName { get; }

    /// <summary>The resources that must be healthy before a test runs.</summary>
    protected abstract IReadOnlyList<string> Awaited { get; }

    /// <summary>Builds the application model (not started).</summary>
    protected abstract Task<DistributedApplication> BuildAsync();

    /// <summary>The AppHost's log as every fixture writes it: one line per entry, UTC timestamps, no DCP chatter.</summary>
    protected static void ConfigureLogging(ILoggingBuilder logging)
    {
        logging.SetMinimumLevel(LogLevel.Information);
        logging.AddFilter("Aspire.Hosting.Dcp", LogLevel.Warning);
        logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
            o.UseUtcTimestamp = true;
        });
    }

    /// <summary>Starts the built application and waits for <see cref="Awaited"/>.</summary>
    protected virtual Task StartAsync(DistributedApplication app, CancellationToken cancellationToken) =>
        PlatformStarter.StartAsync(app, Awaited, cancellationToken);

    public virtual async Task InitializeAsync()
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        var startedAt = DateTime.UtcNow;
        var app = _app = await BuildAsync();
        _diagnostics = new ResourceDiagnostics(app);
        // Fails at once, naming the resource and its last log lines, when any resource fails to start or its process exits
        // with an error; otherwise within the shared start budget (PlatformBudgets), naming what is not healthy.
        try
        {
            await _diagnostics.GuardAsync(StartName, PlatformBudgets.PlatformStart, ResourceDiagnostics.FailedDuringStart, Awaited,
                ct => StartAsync(app, ct));
        }
        catch (ResourceStartException)
        {
            // Leave no process behind for the next collection; the exception already says what failed.
            await DisposeAsync();
            _app = null;
            _diagnostics = null;
            throw;
        }

        AppConnectionString = await PlatformStarter.ConnectionStringAsync(app, ResourceNames.AppDatabase);
        AuditorConnectionString = await PlatformStarter.ConnectionStringAsync(app, ResourceNames.AuditReaderDatabase);
        DirectConnectionString = await PlatformStarter.ConnectionStringAsync(app, ResourceNames.DirectDatabase);
        StartupTime = started.Elapsed;
        // One line per start in the test log (TRX output), so the suite's wall time can be read fixture by fixture.
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"[fixture] {StartName}: ready in {StartupTime.TotalSeconds:F1} s ({_diagnostics.Timeline(startedAt)})"));
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            var diagnostics = _diagnostics;
            var stopping = System.Diagnostics.Stopwatch.StartNew();
            await BeforeStopAsync(_app);
            await PlatformStarter.StopAsync(_app, diagnostics is null ? null : async () => await diagnostics.DisposeAsync());
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[fixture] {StartName}: stopped in {stopping.Elapsed.TotalSeconds:F1} s"));
        }
    }

    /// <summary>Runs before the whole application stops (e.g. to stop some resources first, in an order of the fixture's choosing).</summary>
    protected virtual Task BeforeStopAsync(DistributedApplication app) => Task.CompletedTask;

    public async Task<NpgsqlConnection> OpenDirectAsync()
    {
        var connection = new NpgsqlConnection(DirectConnectionString);
        await connection.OpenAsync();
        return connection;
    }
}
