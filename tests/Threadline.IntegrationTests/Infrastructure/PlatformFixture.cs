using System.Net.Http.Headers;
using System.Security.Cryptography;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Threadline.Platform;
using Threadline.Testing;

namespace Threadline.IntegrationTests.Infrastructure;

/// <summary>
/// The whole reference platform (PostgreSQL, PgBouncer, RabbitMQ, schema manager, API, worker, admin), started from the
/// real AppHost (tests/Shared/PlatformStarter.cs, shared with the benchmark). Only for tests that need more than the
/// database: HTTP, jobs, the browser, evidence probes and faults. A class that needs only PostgreSQL and PgBouncer
/// belongs on <see cref="DatabaseFixture"/>; moving it is one line: <c>[Collection(DatabaseCollection.Name)]</c> and
/// <c>DatabaseFixture</c> as its constructor's fixture type. The dashboard is off unless a derived fixture
/// (<see cref="DashboardPlatformFixture"/>) asks for it.
/// </summary>
public class PlatformFixture : TopologyFixture
{
    /// <summary>posts-api runs this many writes and queues as many more; tests stay below it unless they mean to overload.</summary>
    public const int WriteLimit = 16;

    private readonly DashboardEndpoints? _dashboard;

    public PlatformFixture()
    {
    }

    /// <summary>Starts the platform with the Aspire dashboard on <paramref name="dashboard"/>'s ports.</summary>
    protected PlatformFixture(DashboardEndpoints dashboard)
    {
        _dashboard = dashboard;
    }

    public string SigningKey { get; } = Convert.ToHexString(RandomNumberGenerator.GetBytes(32));

    /// <summary>The dashboard's ports, for a fixture that started one.</summary>
    protected DashboardEndpoints Dashboard => _dashboard ?? throw new InvalidOperationException("This platform runs without the dashboard.");

    protected override string StartName => "Platform start";

    protected override IReadOnlyList<string> Awaited => PlatformStarter.Services;

    /// <summary>AppHost arguments a derived fixture adds to the shared ones (e.g. more replicas).</summary>
    protected virtual IEnumerable<string> MoreAppHostArguments => [];

    protected override Task<DistributedApplication> BuildAsync() =>
        PlatformStarter.BuildAsync(SigningKey,
            [
                $"--{PlatformConfig.FaultInjection}=true",
                // Small write limits, so BackpressureTests can overload the API without flooding the machine.
                $"--{PlatformConfig.WritesMaxConcurrent}={WriteLimit}",
                $"--{PlatformConfig.WritesQueueLimit}={WriteLimit}",
                .. _dashboard?.AppHostArguments() ?? [],
                .. MoreAppHostArguments,
            ],
            dashboard: _dashboard is not null,
            ConfigureLogging);

    /// <summary>
    /// The services first, then what they depend on, as an operator would stop them. Stopped all at once, a service could
    /// outlive RabbitMQ or the dashboard and wait out a client timeout (closing its AMQP connection, exporting its last
    /// telemetry): such stops took 12-15 s instead of 2-4 s (issue 16).
    /// </summary>
    protected override async Task BeforeStopAsync(DistributedApplication app)
    {
        var model = app.Services.GetRequiredService<DistributedApplicationModel>();
        using var timeout = new CancellationTokenSource(PlatformBudgets.ResourceCommand);
        try
        {
            await Task.WhenAll(PlatformStarter.Services.Select(async service =>
            {
                var resource = model.Resources.Single(r => r.Name == service);
                await app.ResourceCommands.ExecuteCommandAsync(resource, KnownResourceCommands.StopCommand, timeout.Token);
                await app.ResourceNotifications.WaitForResourceAsync(service,
                    e => e.Snapshot.State?.Text is { } state && KnownResourceStates.TerminalStates.Contains(state), timeout.Token);
            }));
        }
        catch (Exception ex) when (ex is OperationCanceledException or InvalidOperationException or DistributedApplicationException)
        {
            // Only a faster stop is lost: the whole application's stop that follows ends every process anyway.
            Console.WriteLine($"[fixture] Stopping the services before the rest of the platform failed: {ex.Message}");
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
}
