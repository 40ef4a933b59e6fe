using System.Diagnostics;
using System.Reflection;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Threadline.Hosting;
using Threadline.IntegrationTests.Infrastructure;
using Threadline.Platform;

namespace Threadline.IntegrationTests.Evidence;

/// <summary>
/// The host topology row of <c>docs/stg-evidence.md</c>, probed from the running platform rather than copied from the
/// configuration: which PgBouncer (product, version, pool mode, pool sizes) sits between the services and PostgreSQL,
/// and which Npgsql settings each service's connection string carries. Writes <c>host-topology.json</c> next to the
/// TRX results for the matrix generator.
/// </summary>
/// <remarks>
/// The pooler is asked through its admin console (<c>SHOW VERSION</c>, <c>SHOW CONFIG</c>, <c>SHOW POOLS</c>) as the
/// configured stats user when that user can log in, which needs an entry in PgBouncer's auth_file. Otherwise the
/// settings come from the pgbouncer.ini rendered for this run (the file PgBouncer was started with) and the version
/// from the running pgbouncer binary (local runtime) or the image tag (container runtime); the JSON says which.
/// </remarks>
[Collection(PlatformCollection.Name)]
public sealed class HostTopologyEvidenceTests(PlatformFixture platform)
{
    private static readonly string[] IniSettings =
    [
        "pool_mode", "default_pool_size", "max_db_connections", "min_pool_size", "reserve_pool_size", "max_client_conn",
        "server_reset_query", "server_reset_query_always", "max_prepared_statements", "ignore_startup_parameters", "auth_type", "stats_users",
        "server_login_retry", "query_wait_timeout",
    ];

    private static readonly (string Service, string Database)[] Clients =
    [
        (ResourceNames.PostsApi, ResourceNames.AppDatabase),
        (ResourceNames.JobWorker, ResourceNames.AppDatabase),
        (ResourceNames.AdminService, ResourceNames.AuditReaderDatabase),
    ];

    [Fact]
    [ProvesTopology]
    public async Task The_running_pooler_and_the_services_connection_settings_are_recorded_for_the_host_topology_row()
    {
        var model = platform.App.Services.GetRequiredService<DistributedApplicationModel>();
        var pooler = model.Resources.OfType<IPgBouncerResource>().Single(r => r.Name == ResourceNames.PgBouncer);
        var endpoint = platform.App.GetEndpoint(ResourceNames.PgBouncer, PgBouncerSettings.EndpointName);
        var (iniPath, configDirectory) = RenderedIni(pooler);
        var ini = ParseIni(File.ReadAllLines(iniPath));
        var statsUser = ini.GetValueOrDefault("stats_users", pooler.Settings.StatsUser).Split(',')[0].Trim();

        // Each service's login uses the pooler before it is probed, so SHOW POOLS lists the pools they reach it by.
        using (var writer = platform.CreateClient(ResourceNames.PostsApi, "topology-probe"))
        using (var auditor = platform.CreateClient(ResourceNames.AdminService, "topology-probe", PlatformAuth.AuditorRole))
        {
            Assert.Equal(System.Net.HttpStatusCode.NotFound, (await writer.GetAsync("/posts/0")).StatusCode);
            Assert.Equal(System.Net.HttpStatusCode.OK, (await auditor.GetAsync("/api/v1/audit/changes?limit=1")).StatusCode);
        }

        var console = await AdminConsoleAsync(endpoint.Host, endpoint.Port, statsUser, StatsPassword(ini, configDirectory, statsUser));
        var settings = console.Config is { } shown
            ? IniSettings.Where(shown.ContainsKey).ToDictionary(k => k, k => shown[k], StringComparer.Ordinal)
            : IniSettings.Where(ini.ContainsKey).ToDictionary(k => k, k => ini[k], StringComparer.Ordinal);
        var poolMode = settings.GetValueOrDefault("pool_mode", "session");
        var (version, versionSource) = console.Version is { } v ? (v, "SHOW VERSION on the admin console") : await PoolerVersionAsync(pooler);

        await using var pooled = new NpgsqlConnection(platform.AppConnectionString);
        await pooled.OpenAsync();
        var postgresVersion = await AuditRows.ScalarAsync<string>(pooled, "SHOW server_version");
        var clients = Clients.Select(c => ClientSettings(c.Service, c.Database, endpoint.Host, endpoint.Port)).ToList();
        var npgsqlVersion = typeof(NpgsqlConnection).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion.Split('+')[0];

        var runtime = pooler is PgBouncerExecutableResource ? "local executables" : "containers";
        var services = string.Join(", ", clients.Select(c => c.Service).Distinct());
        EvidenceFiles.WriteJson(EvidenceFiles.TopologyFile, new
        {
            schema = 1,
            probedAt = DateTimeOffset.UtcNow,
            runtime,
            harness = "Aspire.Hosting.Testing starts Threadline.AppHost once per test run (PlatformFixture), dashboard off, fresh database cluster",
            chain = $"{services} → Npgsql {npgsqlVersion} → PgBouncer {version} ({poolMode} pooling) → PostgreSQL {postgresVersion.Split(' ')[0]}",
            pooler = new
            {
                product = "PgBouncer",
                version,
                versionSource,
                poolMode,
                settings,
                configSource = console.Config is not null ? "SHOW CONFIG on the admin console" : $"the pgbouncer.ini rendered for this run ({Relative(iniPath)})",
                adminConsole = new { user = statsUser, reachable = console.Reachable, detail = console.Detail },
                pools = console.Pools,
            },
            postgres = new { version = postgresVersion },
            npgsql = new { version = npgsqlVersion, clients },
        });

        // Written first so that the matrix shows what was observed; these facts must hold, or the row is an Issue.
        // The pooler's values are its own answer (SHOW CONFIG), never the rendered ini compared with the settings that
        // rendered it.
        Assert.True(console.Reachable, $"PgBouncer's admin console was not reachable as {statsUser}: {console.Detail}");
        Assert.NotNull(console.Config);
        Assert.NotEmpty(console.Config);
        Assert.NotNull(console.Pools);
        Assert.Equal("transaction", poolMode);
        Assert.Equal(pooler.Settings.PoolSize.ToString(System.Globalization.CultureInfo.InvariantCulture), settings.GetValueOrDefault("default_pool_size"));
        Assert.False(string.IsNullOrWhiteSpace(version));
        Assert.All(clients, c =>
        {
            Assert.True(c.ThroughPooler, $"{c.Service}'s connection string does not name PgBouncer's endpoint ({endpoint.Host}:{endpoint.Port})");
            // And the pooler itself has a pool for that login and database: connections of it did go through it.
            Assert.True(console.Pools!.Any(p => p.GetValueOrDefault("database") == c.PoolerDatabase && p.GetValueOrDefault("user") == c.User),
                $"SHOW POOLS lists no pool for {c.User} on {c.PoolerDatabase} ({c.Service}): {string.Join("; ", console.Pools!.Select(p => $"{p.GetValueOrDefault("user")}@{p.GetValueOrDefault("database")}"))}");
            Assert.True(c.NoResetOnClose, $"{c.Service}: No Reset On Close is off");
            Assert.Equal(0, c.MaxAutoPrepare);
        });
    }

    private static (string IniPath, string ConfigDirectory) RenderedIni(IPgBouncerResource pooler)
    {
        var directory = pooler switch
        {
            PgBouncerExecutableResource executable => executable.WorkingDirectory,
            _ => pooler.Annotations.OfType<ContainerMountAnnotation>().Single(m => m.Target == "/etc/pgbouncer").Source
                ?? throw new InvalidOperationException("The PgBouncer container has no config mount."),
        };
        return (Path.Combine(directory, "pgbouncer.ini"), directory);
    }

    /// <summary>The [pgbouncer] section's keys; comments and other sections ignored.</summary>
    internal static Dictionary<string, string> ParseIni(IEnumerable<string> lines)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var section = "";
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is ';' or '#')
            {
                continue;
            }

            if (line[0] == '[')
            {
                section = line.Trim('[', ']');
                continue;
            }

            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (section == "pgbouncer" && equals > 0)
            {
                values[line[..equals].Trim()] = line[(equals + 1)..].Trim();
            }
        }

        return values;
    }

    /// <summary>The stats user's password from the auth_file, when it has an entry there.</summary>
    private static string? StatsPassword(Dictionary<string, string> ini, string configDirectory, string statsUser)
    {
        var authFile = ini.GetValueOrDefault("auth_file", "");
        var path = File.Exists(authFile) ? authFile : Path.Combine(configDirectory, Path.GetFileName(authFile));
        if (!File.Exists(path))
        {
            return null;
        }

        foreach (var line in File.ReadAllLines(path))
        {
            var fields = line.Split("\" \"", 2);
            if (fields.Length == 2 && fields[0].TrimStart('"').Replace("\"\"", "\"", StringComparison.Ordinal) == statsUser)
            {
                return fields[1].TrimEnd().TrimEnd('"').Replace("\"\"", "\"", StringComparison.Ordinal);
            }
        }

        return null;
    }

    private sealed record ConsoleProbe(bool Reachable, string Detail, string? Version, Dictionary<string, string>? Config, List<Dictionary<string, string>>? Pools);

    /// <summary>
    /// PgBouncer's admin console speaks the simple query protocol only, so it is asked with psql (from the
    /// postgresql package the local runtime installs), never Npgsql.
    /// </summary>
    private static async Task<ConsoleProbe> AdminConsoleAsync(string host, int port, string user, string? password)
    {
        var psql = FindPsql();
        if (psql is null)
        {
            return new(false, "psql is not installed, so the admin console was not asked.", null, null, null);
        }

        var version = await PsqlAsync(psql, host, port, user, password, "SHOW VERSION");
        if (version.ExitCode != 0)
        {
            var why = password is null
                ? $"{user} is in stats_users but has no entry in PgBouncer's auth_file (auth_type scram-sha-256), so it cannot log in"
                : $"{user} could not log in";
            return new(false, $"{why}: psql said '{FirstLine(version.Error)}'.", null, null, null);
        }

        var config = await PsqlAsync(psql, host, port, user, password, "SHOW CONFIG");
        var pools = await PsqlAsync(psql, host, port, user, password, "SHOW POOLS");
        return new(true, $"SHOW VERSION, SHOW CONFIG and SHOW POOLS as {user}.",
            version.Rows.FirstOrDefault()?.Values.FirstOrDefault()?.Replace("PgBouncer ", "", StringComparison.Ordinal),
            config.Rows.Where(r => r.ContainsKey("key")).ToDictionary(r => r["key"], r => r.GetValueOrDefault("value", ""), StringComparer.Ordinal),
            pools.Rows);
    }

    private sealed record PsqlResult(int ExitCode, List<Dictionary<string, string>> Rows, string Error);

    private static async Task<PsqlResult> PsqlAsync(string psql, string host, int port, string user, string? password, string command)
    {
        var start = new ProcessStartInfo(psql)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            ArgumentList = { "-X", "-w", "-A", "-F", "\t", "-P", "footer=off", "-h", host, "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", user, "-d", "pgbouncer", "-c", command },
        };
        start.Environment["PGCONNECT_TIMEOUT"] = "5";
        start.Environment.Remove("PGPASSWORD");
        if (password is not null)
        {
            start.Environment["PGPASSWORD"] = password;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("psql did not start.");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var error = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return new(-1, [], $"psql did not answer within 20 s ({command}).");
        }

        var lines = (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var rows = new List<Dictionary<string, string>>();
        if (lines.Length > 0)
        {
            var header = lines[0].Split('\t');
            rows.AddRange(lines.Skip(1).Select(l => header.Zip(l.Split('\t')).ToDictionary(p => p.First, p => p.Second, StringComparer.Ordinal)));
        }

        return new(process.ExitCode, rows, await error);
    }

    private static string? FindPsql() =>
        new[] { "/usr/bin/psql" }
            .Concat(Directory.Exists("/usr/lib/postgresql") ? Directory.GetDirectories("/usr/lib/postgresql").Order().Reverse().Select(d => Path.Combine(d, "bin", "psql")) : [])
            .FirstOrDefault(File.Exists);

    /// <summary>The version of the pgbouncer that is running: its binary's --version (local), or its image tag (container).</summary>
    private async Task<(string Version, string Source)> PoolerVersionAsync(IPgBouncerResource pooler)
    {
        if (pooler is not PgBouncerExecutableResource)
        {
            var image = pooler.Annotations.OfType<ContainerImageAnnotation>().Last();
            return (image.Tag ?? "latest", $"image tag of {image.Image}:{image.Tag}");
        }

        var binary = RunningBinary() ?? new[] { "/usr/sbin/pgbouncer", "/usr/bin/pgbouncer" }.First(File.Exists);
        var start = new ProcessStartInfo(binary, "--version") { RedirectStandardOutput = true, UseShellExecute = false };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{binary} did not start.");
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        var first = FirstLine(output);
        return (first.Replace("PgBouncer ", "", StringComparison.OrdinalIgnoreCase).Replace("pgbouncer version ", "", StringComparison.OrdinalIgnoreCase), $"`{binary} --version` of the running process ({first})");
    }

    /// <summary>/proc/&lt;pid&gt;/exe of the pgbouncer process Aspire started (setpriv execs it in place).</summary>
    private string? RunningBinary()
    {
        if (!platform.App.ResourceNotifications.TryGetCurrentState(ResourceNames.PgBouncer, out var state))
        {
            return null;
        }

        var pid = state.Snapshot.Properties.FirstOrDefault(p => p.Name.EndsWith(".pid", StringComparison.Ordinal))?.Value?.ToString();
        try
        {
            var exe = pid is null ? null : new FileInfo($"/proc/{pid}/exe").LinkTarget;
            return exe is not null && Path.GetFileName(exe) == "pgbouncer" && File.Exists(exe) ? exe : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    internal sealed record ServiceClient(
        string Service, string Database, string User, bool ThroughPooler, bool Pooling, int MinPoolSize, int MaxPoolSize,
        bool NoResetOnClose, int MaxAutoPrepare, string Source, [property: System.Text.Json.Serialization.JsonIgnore] string PoolerDatabase);

    /// <summary>The connection string the service process was started with (its environment, as Aspire handed it over).</summary>
    private ServiceClient ClientSettings(string service, string database, string poolerHost, int poolerPort)
    {
        var variable = $"ConnectionStrings__{database}";
        string? connectionString = null;
        var source = $"{variable} in the {service} process environment";
        if (platform.App.ResourceNotifications.TryGetCurrentState(service, out var state))
        {
            connectionString = state.Snapshot.EnvironmentVariables.FirstOrDefault(e => e.Name == variable)?.Value;
        }

        if (connectionString is null)
        {
            connectionString = database == ResourceNames.AppDatabase ? platform.AppConnectionString : platform.AuditorConnectionString;
            source = $"the {database} connection string Aspire hands to {service}";
        }

        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        return new(service, database, builder.Username ?? "", builder.Host == poolerHost && builder.Port == poolerPort, builder.Pooling, builder.MinPoolSize, builder.MaxPoolSize,
            builder.NoResetOnClose, builder.MaxAutoPrepare, source, builder.Database ?? "");
    }

    private static string Relative(string path)
    {
        var relative = Path.GetRelativePath(EvidenceFiles.RepositoryRoot, path);
        return relative.StartsWith("..", StringComparison.Ordinal) ? path : relative.Replace('\\', '/');
    }

    private static string FirstLine(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "";
}
