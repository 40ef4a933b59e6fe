using Aspire.Hosting;
using Microsoft.Extensions.Configuration;
using Npgsql;
using Threadline.IntegrationTests.Evidence;
using Threadline.Platform;
using Threadline.Platform.Posts;
using Threadline.Testing;

namespace Threadline.IntegrationTests.Infrastructure;

/// <summary>
/// PostgreSQL and PgBouncer only (<see cref="DatabaseTopology"/>), for tests that use nothing else: capture behaviour,
/// schema upgrade, operations, the CLI. The database is set up exactly as the platform's schema manager sets it up
/// (PlatformDatabase.SetUpAsync: the audit schema, login roles, the platform's EF Core migrations with their grants and
/// capture of posts, then capture of the tables in the schema manager's appsettings.json), so the app and auditor connection strings log in through the pooler with the
/// same least-privilege roles as on <see cref="PlatformFixture"/>. Starts in a few seconds instead of the platform's
/// RabbitMQ and four .NET services. A class moves here from the platform, or back, with one line: its collection
/// attribute (<c>[Collection(DatabaseCollection.Name)]</c>) and its constructor's fixture type (<c>DatabaseFixture</c>).
/// </summary>
public sealed class DatabaseFixture : TopologyFixture
{
    private DatabaseTopology? _topology;

    protected override string StartName => "Database start";

    protected override IReadOnlyList<string> Awaited { get; } =
        [ResourceNames.DirectDatabase, ResourceNames.PgBouncer, ResourceNames.AppDatabase, ResourceNames.AuditReaderDatabase];

    protected override Task<DistributedApplication> BuildAsync()
    {
        _topology = DatabaseTopology.Build(ConfigureLogging);
        return Task.FromResult(_topology.App);
    }

    /// <summary>
    /// The AppHost's order: the database first, then the schema manager's setup on a direct connection, and only then
    /// does PgBouncer count as ready (its health check logs in as the application role the setup creates).
    /// </summary>
    protected override async Task StartAsync(DistributedApplication app, CancellationToken cancellationToken)
    {
        var topology = _topology ?? throw new InvalidOperationException("The topology is not built.");
        await PlatformStarter.StartAsync(app, [ResourceNames.DirectDatabase], cancellationToken);
        await using (var direct = new NpgsqlConnection(await PlatformStarter.ConnectionStringAsync(app, ResourceNames.DirectDatabase, cancellationToken)))
        {
            await direct.OpenAsync(cancellationToken);
            await PlatformDatabase.SetUpAsync(direct, topology.AppPassword, topology.AuditorPassword, PlatformCapture.FromConfiguration(SchemaManagerSettings()), cancellationToken: cancellationToken);
        }

        await PlatformStarter.WaitHealthyAsync(app, Awaited, cancellationToken);
    }

    /// <summary>The schema manager's own appsettings.json, which lists the platform's captured tables.</summary>
    internal static IConfiguration SchemaManagerSettings() =>
        new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(EvidenceFiles.RepositoryRoot, "src", "Threadline.Platform.SchemaManager", "appsettings.json"), optional: false)
            .Build();
}
