using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Threadline.IntegrationTests.Infrastructure;

/// <summary>
/// A PgBouncer a test starts by itself from a folder holding its pgbouncer.ini (and auth file), beside the fixture's
/// own: listening on a free loopback port, run as postgres like the AppHost runs it when this process is root (as this
/// user otherwise), stopped and its folder deleted on dispose.
/// </summary>
public sealed class LocalPgBouncerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;

    private LocalPgBouncerProcess(Process process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        Port = port;
    }

    public int Port { get; }

    public static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Starts <c>pgbouncer</c> on <paramref name="iniPath"/> (inside <paramref name="directory"/>) and waits until it accepts connections on <paramref name="port"/>.</summary>
    public static async Task<LocalPgBouncerProcess> StartAsync(string directory, string iniPath, int port)
    {
        const string Executable = "/usr/sbin/pgbouncer";
        if (!File.Exists(Executable))
        {
            throw new InvalidOperationException(
                $"{Executable} is missing: this test starts a PgBouncer of its own and needs Debian's pgbouncer package. Install it with: sudo apt-get install -y pgbouncer");
        }

        // PgBouncer refuses to run as root: as root, run it as postgres, like the AppHost does (InfrastructureRuntime.AsUser);
        // any other user runs it as itself and owns the folder already (issue 29: chown and setpriv failed for them).
        ProcessStartInfo start;
        if (Environment.UserName == "root")
        {
            await Process.Start("chown", ["-R", "postgres:postgres", directory]).WaitForExitAsync();
            start = new ProcessStartInfo("setpriv", ["--reuid=postgres", "--regid=postgres", "--init-groups", "--", Executable, iniPath]);
        }
        else
        {
            start = new ProcessStartInfo(Executable, [iniPath]);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start pgbouncer.");
        var pooler = new LocalPgBouncerProcess(process, directory, port);
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
                throw new InvalidOperationException($"pgbouncer on {iniPath} did not start; its log is in the test output.");
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
}
