using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Threadline.Benchmarks.Pgbench;

/// <summary>
/// A throwaway PostgreSQL cluster plus a PgBouncer in front of it, both owned by this process: fresh for every run, so
/// no other test or benchmark shares its buffers, WAL or checkpoints. Disposing stops both and deletes the folder.
/// </summary>
public sealed class LocalCluster : IAsyncDisposable
{
    public const string User = "postgres";
    public const int PgBouncerPoolSize = 4;

    /// <summary>The server settings the spec fixes; the report quotes them back from pg_settings.</summary>
    private static readonly string[] ServerSettings =
    [
        "shared_buffers = 256MB",
        "fsync = on",
        "synchronous_commit = on",
        "max_connections = 100",
    ];

    private readonly string root;
    private readonly LocalClusterOptions options;
    private Process? pgBouncer;
    private bool postgresRunning;

    private LocalCluster(string root, int postgresPort, int pgBouncerPort, LocalClusterOptions options)
    {
        this.root = root;
        this.options = options;
        PostgresPort = postgresPort;
        PgBouncerPort = pgBouncerPort;
    }

    public int PostgresPort { get; }

    public int PgBouncerPort { get; }

    private string DataDirectory => Path.Combine(root, "data");

    /// <summary>The server log (pg_ctl -l): auto_explain writes its plans here.</summary>
    public string ServerLogPath => Path.Combine(root, "postgres.log");

    /// <summary>A folder of this run, deleted with the cluster: for files the benchmarks write.</summary>
    public string ScratchDirectory => Directory.CreateDirectory(Path.Combine(root, "scratch")).FullName;

    /// <summary>The postmaster's process id, from the first line of <c>postmaster.pid</c>.</summary>
    public int PostmasterPid => int.Parse(File.ReadLines(Path.Combine(DataDirectory, "postmaster.pid")).First(), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Direct, unpooled on the client too: a closed connection is really gone (CREATE DATABASE ... TEMPLATE needs that).</summary>
    public string DirectConnectionString(string database) =>
        $"Host=127.0.0.1;Port={PostgresPort};Username={User};Database={database};Pooling=false;Command Timeout=600";

    public static Task<LocalCluster> StartAsync(Action<string> log, CancellationToken cancellationToken) =>
        StartAsync(LocalClusterOptions.Pgbench, log, cancellationToken);

    public static async Task<LocalCluster> StartAsync(LocalClusterOptions options, Action<string> log, CancellationToken cancellationToken)
    {
        // Short path under /tmp: the Unix socket path must stay under the kernel's 107-byte limit.
        var root = Directory.CreateTempSubdirectory("tlpgb-").FullName;
        var cluster = new LocalCluster(root, FreePort(), FreePort(), options);
        try
        {
            await cluster.InitAndStartAsync(log, cancellationToken);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    private async Task InitAndStartAsync(Action<string> log, CancellationToken cancellationToken)
    {
        await OsProcess.ChownToServiceUserAsync(root, cancellationToken);
        log($"initdb into {root}...");
        await OsProcess.RunCheckedAsync(
            OsProcess.AsServiceUser(OsProcess.Bin("initdb"), "-D", DataDirectory, "-U", User, "--auth=trust", "-E", "UTF8", "--locale=C"),
            cancellationToken);
        var settings = ServerSettings.Concat(options.ExtraServerSettings).Concat(
        [
            "listen_addresses = '127.0.0.1'",
            $"port = {PostgresPort}",
            $"unix_socket_directories = '{root}'",
        ]);
        await File.AppendAllLinesAsync(Path.Combine(DataDirectory, "postgresql.conf"), settings, cancellationToken);

        await OsProcess.RunCheckedAsync(
            OsProcess.AsServiceUser(OsProcess.Bin("pg_ctl"), "start", "-w", "-t", "120", "-D", DataDirectory, "-l", Path.Combine(root, "postgres.log")),
            cancellationToken);
        postgresRunning = true;
        log($"PostgreSQL listening on 127.0.0.1:{PostgresPort}.");
        if (!options.PgBouncer)
        {
            return;
        }

        await WritePgBouncerConfigAsync(cancellationToken);
        // Not redirected: nobody would drain the pipes during a long run, and a full pipe would stall PgBouncer. It logs to its logfile.
        var start = OsProcess.AsServiceUser(OsProcess.PgBouncer, "--quiet", Path.Combine(root, "pgbouncer.ini"));
        start.RedirectStandardOutput = false;
        start.RedirectStandardError = false;
        pgBouncer = Process.Start(start) ?? throw new InvalidOperationException("Could not start pgbouncer.");
        await WaitForPgBouncerAsync(cancellationToken);
        log($"PgBouncer (transaction pooling, default_pool_size={PgBouncerPoolSize}) listening on 127.0.0.1:{PgBouncerPort}.");
    }

    private async Task WritePgBouncerConfigAsync(CancellationToken cancellationToken)
    {
        // Trust auth: the user must still be listed in the auth_file.
        var userList = Path.Combine(root, "userlist.txt");
        await File.WriteAllTextAsync(userList, $"\"{User}\" \"\"\n", cancellationToken);
        var config = $"""
            [databases]
            * = host=127.0.0.1 port={PostgresPort}

            [pgbouncer]
            listen_addr = 127.0.0.1
            listen_port = {PgBouncerPort}
            unix_socket_dir =
            auth_type = trust
            auth_file = {userList}
            pool_mode = transaction
            default_pool_size = {PgBouncerPoolSize}
            max_client_conn = 200
            logfile = {Path.Combine(root, "pgbouncer.log")}
            ignore_startup_parameters = extra_float_digits

            """;
        await File.WriteAllTextAsync(Path.Combine(root, "pgbouncer.ini"), config, cancellationToken);
        await OsProcess.ChownToServiceUserAsync(root, cancellationToken);
    }

    private async Task WaitForPgBouncerAsync(CancellationToken cancellationToken)
    {
        var connectionString = $"Host=127.0.0.1;Port={PgBouncerPort};Username={User};Database=postgres;Pooling=false;No Reset On Close=true";
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync(cancellationToken);
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or SocketException && deadline.Elapsed < TimeSpan.FromSeconds(15))
            {
                if (pgBouncer is { HasExited: true })
                {
                    throw new InvalidOperationException($"pgbouncer exited with {pgBouncer.ExitCode}; see {Path.Combine(root, "pgbouncer.log")}.", ex);
                }

                await Task.Delay(200, cancellationToken);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Stops PgBouncer and PostgreSQL (fast shutdown) and removes the cluster; never throws, it runs on the way out.</summary>
    public async ValueTask DisposeAsync()
    {
        if (pgBouncer is { HasExited: false })
        {
            pgBouncer.Kill();
            await pgBouncer.WaitForExitAsync(CancellationToken.None);
        }

        pgBouncer?.Dispose();
        if (postgresRunning)
        {
            var stop = await OsProcess.RunAsync(
                OsProcess.AsServiceUser(OsProcess.Bin("pg_ctl"), "stop", "-w", "-m", "fast", "-D", DataDirectory), CancellationToken.None);
            postgresRunning = stop.ExitCode != 0;
            if (postgresRunning)
            {
                Console.Error.WriteLine($"pg_ctl stop failed; the cluster in {root} may still run: {stop.StandardError}");
                return;
            }
        }

        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (IOException ex)
        {
            Console.Error.WriteLine($"Could not delete {root}: {ex.Message}");
        }
    }
}
