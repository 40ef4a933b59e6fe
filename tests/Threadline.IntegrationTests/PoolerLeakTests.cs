using System.Collections.Concurrent;
using Npgsql;
using Threadline.Capture;
using Threadline.IntegrationTests.Infrastructure;
using Threadline.Npgsql;
using Xunit.Abstractions;

namespace Threadline.IntegrationTests;

/// <summary>
/// Proof that the actor bridge holds behind PgBouncer in transaction mode: many concurrent transactions from many
/// actors over at most three server connections, every audit row attributed to its own transaction's actor. The
/// control shows the same pool does leak session-level settings, so the proof is able to fail.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class PoolerLeakTests(PlatformFixture platform, ITestOutputHelper output)
{
    private const int Transactions = 600;
    private const int Actors = 24;
    private const int MaxServerConnections = 3;

    [Fact]
    [Evidence.ProvesTopology]
    public async Task Concurrent_transactions_from_many_actors_are_never_misattributed()
    {
        var run = Guid.NewGuid().ToString("N")[..12];
        await using var dataSource = NpgsqlDataSource.Create(platform.AppConnectionString);
        var observedServerConnections = new ConcurrentBag<long>();
        using var sampling = new CancellationTokenSource();
        var sampler = SampleServerConnectionsAsync(observedServerConnections, sampling.Token);

        await Parallel.ForEachAsync(Enumerable.Range(0, Transactions), new ParallelOptions { MaxDegreeOfParallelism = 48 }, async (i, ct) =>
        {
            var context = new AuditContext(ActorRef.User($"actor-{run}-{i % Actors}")) { RequestId = $"{run}-{i}", Source = "leak-test" };
            await using var connection = await dataSource.OpenConnectionAsync(ct);
            await using var transaction = await connection.BeginAuditedTransactionAsync(context, cancellationToken: ct);
            await using var insert = new NpgsqlCommand("INSERT INTO posts (title) VALUES ($1)", connection, transaction);
            insert.Parameters.Add(new NpgsqlParameter { Value = $"{run}-{i}" });
            await insert.ExecuteNonQueryAsync(ct);
            await transaction.CommitAsync(ct);
        });

        await sampling.CancelAsync();
        await sampler;

        var rows = await AuditRows.WhereAsync(platform, "c.table_name = 'posts' AND c.op = 'insert' AND c.data_after ->> 'title' LIKE $1", run + "-%");
        Assert.Equal(Transactions, rows.Count);
        var mismatches = rows.Count(r =>
        {
            var i = int.Parse(r.RequestId!.Split('-')[1], System.Globalization.CultureInfo.InvariantCulture);
            var title = System.Text.Json.JsonDocument.Parse(r.DataAfter!).RootElement.GetProperty("title").GetString();
            return r.ActorId != $"actor-{run}-{i % Actors}" || title != r.RequestId;
        });
        Assert.Equal(0, mismatches);
        Assert.Equal(Actors, rows.Select(r => r.ActorId).Distinct().Count());
        Assert.Equal(Transactions, rows.Select(r => r.TransactionId).Distinct().Count());
        Assert.InRange(observedServerConnections.Max(), 1, MaxServerConnections);

        // Nothing of any transaction's context survives it on the pooled server connections.
        for (var probe = 0; probe < 10; probe++)
        {
            await using var connection = await dataSource.OpenConnectionAsync();
            var leftover = await AuditRows.ScalarAsync<object>(connection, "SELECT coalesce(current_setting('threadline.context', true), '')");
            Assert.Equal("", leftover);
        }
    }

    [Fact]
    [Evidence.ProvesTopology]
    public async Task Control_session_level_SET_does_leak_through_the_same_pool()
    {
        var marker = "leak-" + Guid.NewGuid().ToString("N");
        // Pooling=false: every open is a new PgBouncer client, so any value seen below came from another client.
        var unpooled = new NpgsqlConnectionStringBuilder(platform.AppConnectionString) { Pooling = false }.ConnectionString;
        for (var i = 0; i < 10; i++)
        {
            await using var writer = new NpgsqlConnection(unpooled);
            await writer.OpenAsync();
            await AuditRows.ScalarAsync<string>(writer, "SELECT set_config('threadline.leak_probe', $1, false)", marker);
        }

        var leaks = 0;
        for (var i = 0; i < 10; i++)
        {
            await using var reader = new NpgsqlConnection(unpooled);
            await reader.OpenAsync();
            var seen = await AuditRows.ScalarAsync<object>(reader, "SELECT coalesce(current_setting('threadline.leak_probe', true), '')");
            if (Equals(seen, marker))
            {
                leaks++;
            }
        }

        Assert.True(leaks > 0, "A session-level setting should be visible to other PgBouncer clients in transaction mode; if not, the leak proof above proves nothing.");
    }

    [Fact]
    [Evidence.ProvesTopology]
    public async Task Contexts_leaked_at_session_level_through_the_pool_are_refused_and_never_misattribute()
    {
        var run = Guid.NewGuid().ToString("N")[..12];
        var leakerId = "leaker-" + run;
        string table;
        await using (var db = await platform.OpenDirectAsync())
        {
            // A lenient table: a write whose only context is a leaked one is recorded without an actor, and flagged.
            table = await db.CreateTableAsync("leak", "(id bigserial PRIMARY KEY, title text)");
            await new CaptureManager().EnableAsync(db, new TableCaptureOptions(table));
            await db.ExecAsync($"GRANT INSERT ON public.{table} TO threadline_app; GRANT USAGE ON SEQUENCE public.{table}_id_seq TO threadline_app");
        }

        var leaked = """{"actor":{"type":"admin","id":"LEAKER"}}""".Replace("LEAKER", leakerId, StringComparison.Ordinal);
        var outcomes = new ConcurrentBag<string>();
        await using var dataSource = NpgsqlDataSource.Create(platform.AppConnectionString);
        var observedServerConnections = new ConcurrentBag<long>();
        using var sampling = new CancellationTokenSource();
        var sampler = SampleServerConnectionsAsync(observedServerConnections, sampling.Token);

        // The leak proof's concurrency. Every fourth client is careless: it leaves a context on its server connection at
        // session level (a bare set_config(..., false), or the bridges' statement copied with false). The others write
        // with the bridge, or with no context at all to the lenient table and to the strict posts table.
        await Parallel.ForEachAsync(Enumerable.Range(0, Transactions), new ParallelOptions { MaxDegreeOfParallelism = 48 }, async (i, ct) =>
        {
            await using var connection = await dataSource.OpenConnectionAsync(ct);
            switch (i % 4)
            {
                case 0:
                    await AuditRows.ScalarAsync<string>(connection, i % 8 == 0
                        ? "SELECT set_config('threadline.context', $1, false)"
                        : "SELECT set_config('threadline.context', $1, false) || set_config('threadline.context_tx', (extract(epoch FROM now()) * 1000000)::bigint::text, false)", leaked);
                    outcomes.Add("leaked");
                    break;
                case 1:
                    var context = new AuditContext(ActorRef.User($"actor-{run}-{i % Actors}")) { RequestId = $"{run}-{i}" };
                    await using (var transaction = await connection.BeginAuditedTransactionAsync(context, cancellationToken: ct))
                    {
                        await InsertAsync(connection, transaction, $"INSERT INTO public.{table} (title) VALUES ($1)", $"{run}-{i}", ct);
                        await transaction.CommitAsync(ct);
                    }

                    outcomes.Add("bridged");
                    break;
                case 2:
                    await InsertAsync(connection, null, $"INSERT INTO public.{table} (title) VALUES ($1)", $"{run}-{i}", ct);
                    outcomes.Add("unattributed");
                    break;
                default:
                    try
                    {
                        await InsertAsync(connection, null, "INSERT INTO posts (title) VALUES ($1)", $"{run}-{i}", ct);
                        outcomes.Add("strict write accepted");
                    }
                    catch (PostgresException e) when (e.SqlState is "TL001" or "42501")
                    {
                        outcomes.Add("strict refused " + e.SqlState);
                    }

                    break;
            }
        });

        await sampling.CancelAsync();
        await sampler;
        await ForgetLeakedContextsAsync();

        // Zero misattributed rows: the leaked actor is on no audit row, and every bridged write has its own actor.
        await using (var db = await platform.OpenDirectAsync())
        {
            Assert.Equal(0L, await AuditRows.ScalarAsync<long>(db, "SELECT count(*) FROM threadline.transactions WHERE actor_id = $1", leakerId));
        }

        var rows = await AuditRows.WhereAsync(platform, $"c.table_name = '{table}' AND c.op = 'insert'");
        var bridged = rows.Where(r => r.RequestId is not null).ToList();
        Assert.Equal(outcomes.Count(o => o == "bridged"), bridged.Count);
        Assert.All(bridged, r =>
        {
            var i = int.Parse(r.RequestId!.Split('-')[1], System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal($"actor-{run}-{i % Actors}", r.ActorId);
        });
        var unattributed = rows.Where(r => r.RequestId is null).ToList();
        Assert.Equal(outcomes.Count(o => o == "unattributed"), unattributed.Count);
        Assert.All(unattributed, r => Assert.Null(r.ActorId));

        // The leak did happen and was refused: unattributed writes met the leaked context, and the strict table refused
        // every write without a context of its own, naming the leak (TL001) where it met one.
        var refusedOnLenient = await AuditRows.WhereAsync(platform,
            $"c.table_name = '{table}' AND t.refused_context ->> 'context' LIKE $1", "%" + leakerId + "%");
        Assert.NotEmpty(refusedOnLenient);
        Assert.Equal(0, outcomes.Count(o => o == "strict write accepted"));
        Assert.Contains("strict refused TL001", outcomes);
        Assert.InRange(observedServerConnections.Max(), 1, MaxServerConnections);
        output.WriteLine($"{Transactions} transactions on at most {observedServerConnections.Max()} server connections: " +
                         string.Join(", ", outcomes.GroupBy(o => o).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}")) +
                         $"; lenient writes that met the leaked context, recorded without actor: {refusedOnLenient.Count}; rows attributed to the leaker: 0.");
    }

    private static async Task InsertAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, string title, CancellationToken cancellationToken)
    {
        await using var insert = new NpgsqlCommand(sql, connection, transaction);
        insert.Parameters.Add(new NpgsqlParameter { Value = title });
        await insert.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Clears the leaked session settings from every server connection of the pool, so that later tests on the shared
    /// platform start clean: one open transaction per server connection at once (transaction mode pins a server
    /// connection to a transaction, and the pool has no more than <see cref="MaxServerConnections"/>), each running RESET.
    /// </summary>
    private async Task ForgetLeakedContextsAsync()
    {
        var unpooled = new NpgsqlConnectionStringBuilder(platform.AppConnectionString) { Pooling = false }.ConnectionString;
        var pinned = new List<(NpgsqlConnection Connection, NpgsqlTransaction Transaction)>();
        try
        {
            var backends = new HashSet<int>();
            for (var i = 0; i < MaxServerConnections; i++)
            {
                var connection = new NpgsqlConnection(unpooled);
                await connection.OpenAsync();
                var transaction = await connection.BeginTransactionAsync();
                pinned.Add((connection, transaction));
                await connection.ExecAsync("RESET threadline.context; RESET threadline.context_tx", transaction);
                await using var pid = new NpgsqlCommand("SELECT pg_backend_pid()", connection, transaction);
                backends.Add((int)(await pid.ExecuteScalarAsync())!);
            }

            Assert.Equal(MaxServerConnections, backends.Count);
            foreach (var (_, transaction) in pinned)
            {
                await transaction.CommitAsync();
            }
        }
        finally
        {
            foreach (var (connection, transaction) in pinned)
            {
                await transaction.DisposeAsync();
                await connection.DisposeAsync();
            }
        }

        await using var dataSource = NpgsqlDataSource.Create(platform.AppConnectionString);
        for (var probe = 0; probe < 10; probe++)
        {
            await using var connection = await dataSource.OpenConnectionAsync();
            Assert.Equal("", await AuditRows.ScalarAsync<object>(connection, "SELECT coalesce(current_setting('threadline.context', true), '')"));
        }
    }

    private async Task SampleServerConnectionsAsync(ConcurrentBag<long> observed, CancellationToken cancellationToken)
    {
        await using var connection = await platform.OpenDirectAsync();
        while (!cancellationToken.IsCancellationRequested)
        {
            observed.Add(await AuditRows.ScalarAsync<long>(connection, "SELECT count(*) FROM pg_stat_activity WHERE usename = 'threadline_app'"));
            try
            {
                await Task.Delay(20, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }
}
