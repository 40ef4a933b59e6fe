using System.Text;
using Aspire.Hosting.ApplicationModel;
using Npgsql;
using Threadline.Hosting;
using Threadline.IntegrationTests.Evidence;
using Threadline.Platform;

namespace Threadline.IntegrationTests.Infrastructure;

/// <summary>
/// PgBouncer configured from the environment that publish mode gives its container (PgBouncerContainerEnvironment, the
/// variables ManifestPublishTests finds in the manifest), written out the way the image's entrypoint
/// (edoburu/pgbouncer) writes them: a [databases] line with <c>auth_user</c>, the auth user's line as the only line of
/// the auth file, and every other variable as its lower-case setting. Only where it runs differs: this machine's
/// PostgreSQL and a free loopback port instead of the container's.
/// </summary>
public sealed class PublishedPgBouncer : IAsyncDisposable
{
    private readonly LocalPgBouncerProcess _process;

    private PublishedPgBouncer(LocalPgBouncerProcess process, IReadOnlyDictionary<string, string> environment)
    {
        _process = process;
        Environment = environment;
    }

    /// <summary>The published variables (the auth password as its value).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; }

    public int Port => _process.Port;

    public static async Task<PublishedPgBouncer> StartAsync(TopologyFixture platform, string authPassword)
    {
        var settings = new PgBouncerSettings
        {
            TemplatePath = Path.Combine(EvidenceFiles.RepositoryRoot, "pgbouncer", "pgbouncer.ini"),
            Databases = { ResourceNames.DatabaseName },
            Backend = new PoolerBackend(ResourceNames.Postgres, 5432),
            AuthUser = PlatformRoles.PgBouncerAuthUser,
            AuthPassword = new ParameterResource("pgbouncer-auth-password", _ => authPassword, secret: true),
            AuthQuery = PlatformRoles.PgBouncerAuthQuery,
        };
        var environment = PgBouncerContainerEnvironment.Build(ResourceNames.PgBouncer, settings, 5432)
            .ToDictionary(v => v.Name, v => v.Value is ParameterResource ? authPassword : (string)v.Value, StringComparer.Ordinal);

        var postgres = new NpgsqlConnectionStringBuilder(platform.DirectConnectionString);
        // In container mode the direct connection is Aspire's proxy on localhost: name the IPv4 loopback, so PgBouncer
        // does not also try ::1.
        var backendHost = postgres.Host is null or "localhost" ? "127.0.0.1" : postgres.Host;
        var port = LocalPgBouncerProcess.FreeLoopbackPort();
        var directory = Directory.CreateTempSubdirectory("threadline-published-pooler-").FullName;
        var userList = Path.Combine(directory, "userlist.txt");
        await File.WriteAllTextAsync(userList, $"\"{environment["DB_USER"]}\" \"{environment["DB_PASSWORD"]}\"\n");
        var ini = new StringBuilder()
            .Append("[databases]\n")
            .Append($"{environment["DB_NAME"]} = host={backendHost} port={postgres.Port} auth_user={environment["DB_USER"]}\n")
            .Append("[pgbouncer]\n")
            .Append("listen_addr = 127.0.0.1\n")
            .Append($"listen_port = {port}\n")
            .Append("unix_socket_dir =\n")
            .Append($"auth_file = {userList}\n");
        foreach (var (name, value) in environment.Where(v => !v.Key.StartsWith("DB_", StringComparison.Ordinal) && v.Key is not "LISTEN_ADDR" and not "LISTEN_PORT"))
        {
            ini.Append($"{name.ToLowerInvariant()} = {value}\n");
        }

        var iniPath = Path.Combine(directory, "pgbouncer.ini");
        await File.WriteAllTextAsync(iniPath, ini.ToString());
        return new PublishedPgBouncer(await LocalPgBouncerProcess.StartAsync(directory, iniPath, port), environment);
    }

    /// <summary><paramref name="connectionString"/> (its user and password) pointed at this pooler.</summary>
    public string Through(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Host = "127.0.0.1", Port = Port }.ConnectionString;

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
