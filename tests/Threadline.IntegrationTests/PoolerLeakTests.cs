using System.Collections.Concurrent;
using Npgsql;
using Threadline.IntegrationTests.Infrastructure;
using Threadline.Npgsql;

namespace Threadline.IntegrationTests;

/// <summary>
/// Proof that the actor bridge holds behind PgBouncer in transaction mode: many concurrent transactions from many
/// actors over at most three server connections, every audit row attributed to its own transaction's actor. The
/// control shows the same pool does leak session-level settings, so the proof is able to fail.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class PoolerLeakTests(PlatformFixture platform)
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
