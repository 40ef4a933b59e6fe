using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
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
    private readonly Process _process;
    private readonly string _directory;

    private SecondPooler(Process process, string directory, string connectionString)
    {
        _process = process;
        _directory = directory;
        ConnectionString = connectionString;
    }

    public string ConnectionString { get; }

    /// <param name="poolMode">statement or transaction.</param>
    /// <param name="database">The database to serve instead of the platform's (the app user logs in to it).</param>
    public static async Task<SecondPooler> StartAsync(TopologyFixture platform, string poolMode, string? database = null)
    {
        var model = platform.App.Services.GetRequiredService<DistributedApplicationModel>();
        var pgbouncer = model.Resources.OfType<ExecutableResource>().Single(r => r.Name == ResourceNames.PgBouncer);
        var ini = await File.ReadAllTextAsync(Path.Combine(pgbouncer.WorkingDirectory, "pgbouncer.ini"));
        var port = FreeLoopbackPort();
        var directory = Directory.CreateTempSubdirectory("threadline-second-pooler-").FullName;
        var userList = Path.Combine(directory, "userlist.txt");
        File.Copy(Path.Combine(pgbouncer.WorkingDirectory, "userlist.txt"), userList);
        ini = PoolMode().Replace(ini, $"pool_mode = {poolMode}");
        if (database is not null)
        {
            ini = DatabaseEntry().Replace(ini, m => $"{database}{m.Groups[1].Value}{database}");
        }

        ini = ListenPort().Replace(ini, $"listen_port = {port}");
        ini = AuthFile().Replace(ini, $"auth_file = {userList}");
        var iniPath = Path.Combine(directory, "pgbouncer.ini");
        await File.WriteAllTextAsync(iniPath, ini);

        // PgBouncer refuses to run as root; run it as postgres, like the AppHost does.
        await Process.Start("chown", ["-R", "postgres:postgres", directory]).WaitForExitAsync();
        var process = Process.Start(new ProcessStartInfo("setpriv", ["--reuid=postgres", "--regid=postgres", "--init-groups", "--", "/usr/sbin/pgbouncer", iniPath]))
            ?? throw new InvalidOperationException("Could not start pgbouncer.");
        var connectionString = new NpgsqlConnectionStringBuilder(platform.AppConnectionString) { Port = port, Database = database ?? new NpgsqlConnectionStringBuilder(platform.AppConnectionString).Database }.ConnectionString;
        var pooler = new SecondPooler(process, directory, connectionString);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return pooler;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !process.HasExited)
            {
                await Task.Delay(100);
            }
            catch (SocketException)
            {
                await pooler.DisposeAsync();
                throw new InvalidOperationException("The second pgbouncer did not start; its log is in the test output.");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex(@"(?m)^pool_mode\s*=.*$")]
    private static partial Regex PoolMode();

    [GeneratedRegex(@"(?m)^listen_port\s*=.*$")]
    private static partial Regex ListenPort();

    [GeneratedRegex(@"(?m)^auth_file\s*=.*$")]
    private static partial Regex AuthFile();

    /// <summary>The [databases] entry: its name, and after the backend's host and port, the database it connects to.</summary>
    [GeneratedRegex(@"(?m)^[^\s;\[=]+(\s*=\s*host=\S+\s+port=\S+\s+dbname=)\S+")]
    private static partial Regex DatabaseEntry();
}
