using System.Security.Cryptography;
using Aspire.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Threadline.Hosting;
using Threadline.IntegrationTests.Evidence;
using Threadline.Platform;

namespace Threadline.IntegrationTests.Infrastructure;

/// <summary>
/// The database half of the AppHost's model (PostgreSQL, PgBouncer in transaction mode from the same pgbouncer.ini, and
/// the same two pooled databases), built with the same Threadline.Hosting calls and resource names as
/// Threadline.AppHost/Program.cs, so it runs the same executables (or containers) with the same settings, without
/// RabbitMQ and the services.
/// </summary>
internal sealed class DatabaseTopology
{
    private DatabaseTopology(DistributedApplication app, string appPassword, string auditorPassword)
    {
        App = app;
        AppPassword = appPassword;
        AuditorPassword = auditorPassword;
    }

    public DistributedApplication App { get; }

    /// <summary>The application role's password, as PgBouncer's user list has it; the database setup gives the role it.</summary>
    public string AppPassword { get; }

    public string AuditorPassword { get; }

    public static DatabaseTopology Build(Action<ILoggingBuilder> logging)
    {
        // Its own data root: run folders are named by start second and process id, so this topology and a platform
        // started by the same test process in the same second would otherwise share one.
        var dataRoot = Path.Combine(EvidenceFiles.RepositoryRoot, "Threadline.AppHost", ".threadline", "database-fixture");
        // A plain builder pointed at the AppHost's assembly, for the orchestrator (DCP) metadata a test assembly lacks
        // (as in Hosting/LocalHostingTests).
        var builder = DistributedApplication.CreateBuilder(new DistributedApplicationOptions
        {
            Args = [$"--Threadline:LocalDataRoot={dataRoot}"],
            AssemblyName = "Threadline.AppHost",
            DisableDashboard = true,
            AllowUnsecuredTransport = true,
        });
        builder.Services.AddLogging(logging);

        var appPassword = NewPassword();
        var auditorPassword = NewPassword();
        var runtime = InfrastructureRuntime.Create(builder);
        var postgres = runtime.AddThreadlinePostgres(ResourceNames.Postgres, ResourceNames.DatabaseName,
            builder.AddParameter("postgres-password", NewPassword(), secret: true));
        var pgbouncer = runtime.AddPgBouncer(ResourceNames.PgBouncer, postgres, Path.Combine(EvidenceFiles.RepositoryRoot, "pgbouncer", "pgbouncer.ini"));
        pgbouncer.AddPooledDatabase(ResourceNames.AppDatabase, PlatformRoles.AppUser, builder.AddParameter("app-user-password", appPassword, secret: true));
        pgbouncer.AddPooledDatabase(ResourceNames.AuditReaderDatabase, PlatformRoles.AuditorUser, builder.AddParameter("auditor-user-password", auditorPassword, secret: true));
        return new DatabaseTopology(builder.Build(), appPassword, auditorPassword);
    }

    /// <summary>Alphanumeric, like the AppHost's generated secrets: the values end up in connection strings and PgBouncer's user list.</summary>
    private static string NewPassword() => Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
}
