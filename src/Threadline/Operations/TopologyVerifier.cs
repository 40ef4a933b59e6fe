using System.Collections.Concurrent;
using System.Text;
using Npgsql;
using Threadline.Npgsql;

namespace Threadline.Operations;

/// <summary>How hard to probe.</summary>
public sealed record TopologyProbeOptions
{
    /// <summary>Concurrent client connections, each with its own actor; more than the pool size shows sharing.</summary>
    public int Clients { get; init; } = 8;

    /// <summary>Transactions each client runs, reading back its own context in each.</summary>
    public int TransactionsPerClient { get; init; } = 25;

    /// <summary>Also set a session-level probe value and look for it from other clients (it proves why SET is unsafe; it leaves a harmless custom setting on some pooled backend).</summary>
    public bool ProbeSessionState { get; init; } = true;

    /// <summary>What the operator calls the environment in the topology row, e.g. "CI" or "staging host".</summary>
    public string EnvironmentClass { get; init; } = "CI";
}

/// <summary>What the probe observed, and the verdict.</summary>
/// <param name="Safe">The verdict: no misattribution, no context outlived its transaction, no other problem.</param>
/// <param name="Problems">Each problem found, in words.</param>
/// <param name="Clients">Concurrent clients used.</param>
/// <param name="Transactions">Probe transactions run, over all clients.</param>
/// <param name="DistinctBackends">PostgreSQL backends (server process ids) seen.</param>
/// <param name="BackendsSharedBetweenClients">Whether fewer backends than clients served them, so a pooler shares connections.</param>
/// <param name="BackendChangesBetweenTransactions">Whether a client's transactions ran on different backends (transaction pooling).</param>
/// <param name="Misattributions">Transactions that read another transaction's actor; any is unsafe.</param>
/// <param name="ContextLeaks">Times a transaction-local context was visible after its transaction; any is unsafe.</param>
/// <param name="SessionStateLeaks">Whether a session-level setting leaked to other clients; <see langword="null"/> when not probed.</param>
/// <param name="ServerVersion">The PostgreSQL server version.</param>
/// <param name="PoolerProduct">The pooler detected (for example PgBouncer); <see langword="null"/> when none was detected.</param>
/// <param name="PoolMode">The pool mode reported by the pooler, or inferred from the backends seen.</param>
/// <param name="ClientPoolSettings">Npgsql's pooling settings of the connection string.</param>
/// <param name="PreparePolicy">Whether Npgsql prepares statements automatically (a transaction pooler needs it off).</param>
/// <param name="EnvironmentClass">The environment's name from the options.</param>
public sealed record TopologyReport(
    bool Safe,
    IReadOnlyList<string> Problems,
    int Clients,
    int Transactions,
    int DistinctBackends,
    bool BackendsSharedBetweenClients,
    bool BackendChangesBetweenTransactions,
    int Misattributions,
    int ContextLeaks,
    bool? SessionStateLeaks,
    string ServerVersion,
    string? PoolerProduct,
    string PoolMode,
    string ClientPoolSettings,
    string PreparePolicy,
    string EnvironmentClass)
{
    /// <summary>The connection chain as observed, for example <c>app → Npgsql → PgBouncer (transaction) → PostgreSQL</c>.</summary>
    public string Chain => PoolerProduct is null && !BackendsSharedBetweenClients
        ? "app → Npgsql → PostgreSQL"
        : $"app → Npgsql → {PoolerProduct ?? "pooler"} ({PoolMode}) → PostgreSQL";

    /// <summary>The STG-HOST-TOPOLOGY-TEMPLATE row; Matches prod is for the operator to fill.</summary>
    public string ToMarkdown()
    {
        var text = new StringBuilder();
        text.AppendLine("| Environment class | Chain | Pooler product | Pool mode | Client pool | Prepare policy | Matches prod | Evidence |");
        text.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- |");
        text.AppendLine($"| {EnvironmentClass} | {Chain} | {PoolerProduct ?? (BackendsSharedBetweenClients ? "unknown pooler" : "none detected")} | {PoolMode} | {ClientPoolSettings} | {PreparePolicy} | (operator: yes / no / partial) | `threadline verify topology` |");
        text.AppendLine();
        text.AppendLine($"Verdict: **{(Safe ? "safe" : "UNSAFE")}**. {Transactions} transactions from {Clients} clients with distinct actors on {DistinctBackends} server backends: {Misattributions} misattributed, {ContextLeaks} contexts visible after their transaction.");
        text.AppendLine($"Session state set with a session-level SET {SessionStateLeaks switch { true => "leaked to other clients", false => "did not leak to other clients", null => "was not probed" }}. PostgreSQL {ServerVersion}.");
        foreach (var problem in Problems)
        {
            text.AppendLine($"- {problem}");
        }

        return text.ToString();
    }
}

/// <summary>
/// Proves empirically, on a given connection string (direct or through a pooler), that the transaction-local actor
/// bridge is safe there: many clients run concurrent transactions with distinct actors and read back what their own
/// transaction sees; afterwards nothing of the context may remain. It also detects pooled backends shared between
/// clients and session-state leaks, and describes the topology as the adoption backlog's host topology row.
/// Writes nothing to any table.
/// </summary>
public sealed class TopologyVerifier
{
    private const string ProbeSetting = "threadline.topology_probe";

    /// <summary>
    /// Opens <see cref="TopologyProbeOptions.Clients"/> connections and runs the probe transactions concurrently, each setting
    /// a distinct actor with the transaction-local bridge and reading it back; then checks that no context outlived its
    /// transaction. Writes no table; the session-state probe leaves a harmless custom setting on some backend.
    /// </summary>
    /// <param name="connectionString">The connection string the application uses (through its pooler, if any).</param>
    /// <param name="options">How hard to probe; 8 clients of 25 transactions when omitted.</param>
    /// <param name="cancellationToken">Cancels the probe.</param>
    /// <returns>What the probe saw and the verdict; <see cref="TopologyReport.Safe"/> is the gate.</returns>
    public async Task<TopologyReport> VerifyAsync(string connectionString, TopologyProbeOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new TopologyProbeOptions();
        using var activity = ThreadlineTelemetry.ActivitySource.StartActivity("threadline.verify.topology");
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var problems = new ConcurrentQueue<string>();
        var backends = new ConcurrentDictionary<int, byte>();
        var misattributions = 0;
        var leaks = 0;
        var backendChanged = 0;
        var clientBackends = new ConcurrentDictionary<int, HashSet<int>>();

        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var connections = new List<NpgsqlConnection>();
        try
        {
            for (var i = 0; i < options.Clients; i++)
            {
                connections.Add(await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false));
            }

            var serverVersion = connections[0].PostgreSqlVersion.ToString();
            await Task.WhenAll(connections.Select((connection, client) => Task.Run(async () =>
            {
                var seen = clientBackends.GetOrAdd(client, _ => []);
                for (var n = 0; n < options.TransactionsPerClient; n++)
                {
                    var expected = new AuditContext(ActorRef.System($"topology-probe-{client}-{n}"));
                    try
                    {
                        await using (var transaction = await connection.BeginAuditedTransactionAsync(expected, cancellationToken: cancellationToken).ConfigureAwait(false))
                        {
                            var (pid, context) = await ReadAsync(connection, transaction, "SELECT pg_backend_pid(), current_setting('threadline.context', true) FROM pg_sleep(0.001)", cancellationToken).ConfigureAwait(false);
                            backends.TryAdd(pid, 0);
                            seen.Add(pid);
                            if (context != expected.ToJson())
                            {
                                Interlocked.Increment(ref misattributions);
                            }

                            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                        }

                        var (afterPid, after) = await ReadAsync(connection, null, "SELECT pg_backend_pid(), current_setting('threadline.context', true)", cancellationToken).ConfigureAwait(false);
                        backends.TryAdd(afterPid, 0);
                        if (!string.IsNullOrEmpty(after))
                        {
                            Interlocked.Increment(ref leaks);
                        }
                    }
                    catch (NpgsqlException ex)
                    {
                        problems.Enqueue($"Client {client} could not run an audited transaction: {ex.Message}");
                        return;
                    }
                }

                if (seen.Count > 1)
                {
                    Interlocked.Increment(ref backendChanged);
                }
            }, cancellationToken))).ConfigureAwait(false);

            bool? sessionLeaks = options.ProbeSessionState && problems.IsEmpty
                ? await ProbeSessionStateAsync(connections, cancellationToken).ConfigureAwait(false)
                : null;
            var pooler = await DetectPoolerAsync(builder, cancellationToken).ConfigureAwait(false);
            var shared = backends.Count < options.Clients;
            var poolMode = pooler.Mode ?? (shared || backendChanged > 0
                ? "transaction (inferred: backends change between transactions)"
                : "session or direct (inferred: one backend per client)");

            if (misattributions > 0)
            {
                problems.Enqueue($"{misattributions} transactions read another transaction's actor: the bridge is NOT safe here.");
            }

            if (leaks > 0)
            {
                problems.Enqueue($"{leaks} times a transaction-local context was still visible after its transaction: something sets it at session level.");
            }

            var safe = problems.IsEmpty;
            ThreadlineTelemetry.Verifications.Add(1, new("kind", "topology"), new("outcome", safe ? "ok" : "failed"));
            return new TopologyReport(
                safe, [.. problems], options.Clients, options.Clients * options.TransactionsPerClient, backends.Count, shared, backendChanged > 0,
                misattributions, leaks, sessionLeaks, serverVersion, pooler.Product, poolMode,
                $"Npgsql Pooling={builder.Pooling}, Max Pool Size={builder.MaxPoolSize}, No Reset On Close={builder.NoResetOnClose}",
                builder.MaxAutoPrepare == 0 ? "no automatic preparation (Max Auto Prepare=0)" : $"automatic preparation after {builder.AutoPrepareMinUsages} uses (Max Auto Prepare={builder.MaxAutoPrepare})",
                options.EnvironmentClass);
        }
        finally
        {
            foreach (var connection in connections)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static async Task<(int Pid, string? Value)> ReadAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return (reader.GetInt32(0), reader.IsDBNull(1) ? null : reader.GetString(1));
    }

    /// <summary>Sets a session-level value on one client and looks for it from the others.</summary>
    private static async Task<bool> ProbeSessionStateAsync(List<NpgsqlConnection> connections, CancellationToken cancellationToken)
    {
        var marker = $"leak-{Guid.NewGuid():N}";
        await using (var set = new NpgsqlCommand($"SELECT set_config('{ProbeSetting}', '{marker}', false)", connections[0]))
        {
            await set.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var leaked = false;
        for (var round = 0; round < 5 && !leaked; round++)
        {
            foreach (var connection in connections.Skip(1))
            {
                await using var read = new NpgsqlCommand($"SELECT current_setting('{ProbeSetting}', true)", connection);
                leaked |= await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string == marker;
            }
        }

        // Best effort: clear the marker wherever these clients land now.
        foreach (var connection in connections)
        {
            await using var clear = new NpgsqlCommand($"SELECT set_config('{ProbeSetting}', '', false)", connection);
            await clear.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return leaked;
    }

    /// <summary>Asks PgBouncer's admin console, when the same credentials may use it (admin_users or stats_users).</summary>
    private static async Task<(string? Product, string? Mode)> DetectPoolerAsync(NpgsqlConnectionStringBuilder builder, CancellationToken cancellationToken)
    {
        var console = new NpgsqlDataSourceBuilder(new NpgsqlConnectionStringBuilder(builder.ConnectionString) { Database = "pgbouncer", Pooling = false, Timeout = 5 }.ConnectionString);
        // The admin console is not PostgreSQL: it has no type catalog to load.
        console.ConfigureTypeLoading(types => types.EnableTypeLoading(false));
        try
        {
            await using var consoleSource = console.Build();
            await using var connection = await consoleSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            string? version = null, mode = null;
            await using (var command = new NpgsqlCommand("SHOW VERSION", connection) { AllResultTypesAreUnknown = true })
            {
                version = (await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))?.ToString();
            }

            await using (var command = new NpgsqlCommand("SHOW CONFIG", connection) { AllResultTypesAreUnknown = true })
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    if (reader.GetString(0) == "pool_mode")
                    {
                        mode = reader.GetString(1);
                    }
                }
            }

            return (version, mode);
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or NotSupportedException)
        {
            return (null, null);
        }
    }
}
