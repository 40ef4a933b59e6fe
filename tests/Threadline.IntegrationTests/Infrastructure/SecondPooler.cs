using System.Text.RegularExpressions;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Threadline.Hosting;
using Threadline.Platform;

namespace Threadline.IntegrationTests.Infrastructure;

/// <summary>
/// A second PgBouncer over the same PostgreSQL, with the platform's own configuration and user list except for the
/// pool mode and, optionally, the database it serves: pool_mode = statement is a deliberately unsafe topology for the
/// verifier to catch (every statement may land on another backend); transaction mode over a temporary database puts
/// the pooler in front of a test's own install.
/// </summary>
public sealed partial class SecondPooler : IAsyncDisposable
{
    private readonly LocalPgBouncerProcess _process;

    private SecondPooler(LocalPgBouncerProcess process, string connectionString)
    {
        _process = process;
        ConnectionString = connectionString;
    }

    public string ConnectionString { get; }

    /// <param name="platform">The running topology whose PgBouncer configuration is copied.</param>
    /// <param name="poolMode">statement or transaction.</param>
    /// <param name="database">The database to serve instead of the platform's (the app user logs in to it).</param>
    /// <param name="editIni">Changes the rendered pgbouncer.ini last, for a test that needs other limits.</param>
    public static async Task<SecondPooler> StartAsync(TopologyFixture platform, string poolMode, string? database = null, Func<string, string>? editIni = null)
    {
        var model = platform.App.Services.GetRequiredService<DistributedApplicationModel>();
        var pgbouncer = model.Resources.OfType<IPgBouncerResource>().Single(r => r.Name == ResourceNames.PgBouncer);
        // The platform pooler's rendered files: its working folder in local mode, its bind-mounted config folder in container
        // mode (issue 29: this looked for an executable only, which container mode does not have).
        var rendered = pgbouncer switch
        {
            PgBouncerExecutableResource executable => executable.WorkingDirectory,
            _ => pgbouncer.Annotations.OfType<ContainerMountAnnotation>().Single(m => m.Target == "/etc/pgbouncer").Source
                ?? throw new InvalidOperationException("The PgBouncer container has no config mount."),
        };
        var ini = await File.ReadAllTextAsync(Path.Combine(rendered, "pgbouncer.ini"));
        var port = LocalPgBouncerProcess.FreeLoopbackPort();
        var directory = Directory.CreateTempSubdirectory("threadline-second-pooler-").FullName;
        var userList = Path.Combine(directory, "userlist.txt");
        File.Copy(Path.Combine(rendered, "userlist.txt"), userList);
        ini = PoolMode().Replace(ini, $"pool_mode = {poolMode}");
        // This pooler runs on the host, beside the test: it reaches PostgreSQL where the tests do (the direct connection's
        // host and port; in container mode the platform pooler's backend is a container name this host cannot resolve).
        var direct = new NpgsqlConnectionStringBuilder(platform.DirectConnectionString);
        var backendHost = direct.Host is null or "localhost" ? "127.0.0.1" : direct.Host;
        ini = DatabaseEntry().Replace(ini, m => $"{database ?? m.Groups[1].Value} = host={backendHost} port={direct.Port} dbname={database ?? m.Groups[2].Value}");
        ini = ListenAddress().Replace(ini, "listen_addr = 127.0.0.1");
        ini = ListenPort().Replace(ini, $"listen_port = {port}");
        ini = AuthFile().Replace(ini, $"auth_file = {userList}");
        ini = editIni?.Invoke(ini) ?? ini;
        var iniPath = Path.Combine(directory, "pgbouncer.ini");
        await File.WriteAllTextAsync(iniPath, ini);

        var process = await LocalPgBouncerProcess.StartAsync(directory, iniPath, port);
        var app = new NpgsqlConnectionStringBuilder(platform.AppConnectionString);
        return new SecondPooler(process, new NpgsqlConnectionStringBuilder(platform.AppConnectionString) { Port = port, Database = database ?? app.Database }.ConnectionString);
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();

    [GeneratedRegex(@"(?m)^pool_mode\s*=.*$")]
    private static partial Regex PoolMode();

    [GeneratedRegex(@"(?m)^listen_port\s*=.*$")]
    private static partial Regex ListenPort();

    [GeneratedRegex(@"(?m)^auth_file\s*=.*$")]
    private static partial Regex AuthFile();

    [GeneratedRegex(@"(?m)^listen_addr\s*=.*$")]
    private static partial Regex ListenAddress();

    /// <summary>The [databases] entry: its name and the database it connects to (the backend's host and port are replaced).</summary>
    [GeneratedRegex(@"(?m)^([^\s;\[=]+)\s*=\s*host=\S+\s+port=\S+\s+dbname=(\S+)")]
    private static partial Regex DatabaseEntry();
}
