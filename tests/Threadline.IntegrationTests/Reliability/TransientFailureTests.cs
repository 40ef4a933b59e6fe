using System.Text.RegularExpressions;
using Npgsql;
using Threadline.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Threadline.IntegrationTests.Reliability;

/// <summary>
/// Each class of database failure a restart, an outage or contention produces, made to happen on purpose against the
/// real PostgreSQL and PgBouncer (not by timing), and what <see cref="ThreadlineErrors"/> makes of the exception Npgsql
/// throws for it: transient (the services answer 503 with Retry-After and the job worker retries) or not (a 500 whose log
/// names the type and SQLSTATE). A new class found in the wild is one more test here and one line in ThreadlineErrors.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed partial class TransientFailureTests(DatabaseFixture database, ITestOutputHelper output)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_backend_terminated_mid_query_is_unavailable()
    {
        // What a restart or pg_terminate_backend does to a session: 57P01, admin_shutdown.
        await using var victim = await OpenAsync(database.DirectConnectionString);
        var pid = victim.ProcessID;
        var query = RunAsync(victim, "SELECT pg_sleep(30)");
        await TerminateWhenRunningAsync(pid);
        await AssertTransientAsync(query, TransientFailureKind.Unavailable, "57P01");
    }

    [Fact]
    public async Task A_backend_terminated_under_pgbouncer_is_unavailable()
    {
        // Through the pooler the client keeps its PgBouncer connection; PgBouncer passes the dying backend's 57P01 on.
        await using var victim = await OpenAsync(database.AppConnectionString);
        var marker = $"terminated_{Guid.NewGuid():N}";
        var query = RunAsync(victim, $"SELECT pg_sleep(30), '{marker}'");
        await TerminateWhenRunningAsync(await BackendRunningAsync(marker));
        await AssertTransientAsync(query, TransientFailureKind.Unavailable, "57P01");
    }

    [Fact]
    public async Task PgBouncer_losing_its_server_connection_mid_query_is_unavailable()
    {
        // The server connection vanishes without an error message (a crashed backend or host, a dropped route):
        // PgBouncer tells its client "server conn crashed?". A proxy between PgBouncer and PostgreSQL resets it.
        await using var network = new FaultyTcpProxy(Port(database.DirectConnectionString), FaultyTcpProxy.ProxyMode.Forward);
        await using var pooler = await SecondPooler.StartAsync(database, "transaction", editIni: ini => ServerPort().Replace(ini, $"${{1}}{network.Port}"));
        await using var connection = await OpenAsync(pooler.ConnectionString);
        var marker = $"crashed_{Guid.NewGuid():N}";
        var query = RunAsync(connection, $"SELECT pg_sleep(30), '{marker}'");
        await BackendRunningAsync(marker);
        network.ResetAll();
        await AssertTransientAsync(query, TransientFailureKind.Unavailable, "08P01", "server conn crashed?");
    }

    [Theory]
    [InlineData("57P02")] // crash_shutdown: another backend crashed and the server is resetting
    [InlineData("57P03")] // cannot_connect_now: the server is starting up or shutting down
    public async Task Shutdown_and_startup_refusals_are_unavailable(string sqlState)
    {
        // Only a crash or a start-up window produces these for real; raised here with the same SQLSTATE through the same
        // driver path (an ErrorResponse from the server).
        await using var connection = await OpenAsync(database.DirectConnectionString);
        var failure = RunAsync(connection, $"DO $$ BEGIN RAISE EXCEPTION 'simulated' USING ERRCODE = '{sqlState}'; END $$");
        await AssertTransientAsync(failure, TransientFailureKind.Unavailable, sqlState);
    }

    [Fact]
    public async Task Too_many_connections_is_unavailable()
    {
        var role = $"tl_limit_{Guid.NewGuid():N}"[..24];
        const string Password = "limit-test-password";
        await using var admin = await OpenAsync(database.DirectConnectionString);
        await RunAsync(admin, $"CREATE ROLE {role} LOGIN PASSWORD '{Password}' CONNECTION LIMIT 1");
        try
        {
            var limited = new NpgsqlConnectionStringBuilder(database.DirectConnectionString) { Username = role, Password = Password, Pooling = false }.ConnectionString;
            await using var first = await OpenAsync(limited);
            await AssertTransientAsync(OpenAsync(limited), TransientFailureKind.Unavailable, "53300");
        }
        finally
        {
            await RunAsync(admin, $"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{role}'");
            await Eventually.TrueWithinAsync(Bound, async () => await ScalarAsync<long>(admin, $"SELECT count(*) FROM pg_stat_activity WHERE usename = '{role}'") == 0);
            await RunAsync(admin, $"DROP ROLE {role}");
        }
    }

    [Fact]
    public async Task A_refused_connection_is_unavailable()
    {
        var closed = LocalPgBouncerProcess.FreeLoopbackPort();
        var connectionString = new NpgsqlConnectionStringBuilder(database.DirectConnectionString) { Port = closed, Pooling = false }.ConnectionString;
        await AssertTransientAsync(OpenAsync(connectionString), TransientFailureKind.Unavailable, null);
    }

    [Fact]
    public async Task A_connection_reset_while_connecting_is_unavailable()
    {
        await using var proxy = new FaultyTcpProxy(Port(database.DirectConnectionString), FaultyTcpProxy.ProxyMode.ResetOnAccept);
        await AssertTransientAsync(OpenAsync(Through(proxy, database.DirectConnectionString)), TransientFailureKind.Unavailable, null);
    }

    [Fact]
    public async Task A_connection_reset_mid_command_is_unavailable()
    {
        await using var proxy = new FaultyTcpProxy(Port(database.AppConnectionString), FaultyTcpProxy.ProxyMode.Forward);
        await using var connection = await OpenAsync(Through(proxy, database.AppConnectionString));
        var marker = $"reset_{Guid.NewGuid():N}";
        var query = RunAsync(connection, $"SELECT pg_sleep(30), '{marker}'");
        await BackendRunningAsync(marker);
        proxy.ResetAll();
        await AssertTransientAsync(query, TransientFailureKind.Unavailable, null);
    }

    [Fact]
    public async Task A_connect_timeout_is_unavailable()
    {
        // A server that accepts the TCP connection and never answers the start-up message.
        await using var silent = new FaultyTcpProxy(Port(database.DirectConnectionString), FaultyTcpProxy.ProxyMode.Silent);
        var connectionString = new NpgsqlConnectionStringBuilder(Through(silent, database.DirectConnectionString)) { Timeout = 1 }.ConnectionString;
        await AssertTransientAsync(OpenAsync(connectionString), TransientFailureKind.Unavailable, null);
    }

    [Fact]
    public async Task A_command_timeout_is_unavailable()
    {
        await using var connection = await OpenAsync(database.AppConnectionString);
        await using var command = new NpgsqlCommand("SELECT pg_sleep(10)", connection) { CommandTimeout = 1 };
        await AssertTransientAsync(command.ExecuteNonQueryAsync(), TransientFailureKind.Unavailable, null);
    }

    [Fact]
    public async Task A_statement_timeout_is_rolled_back()
    {
        await using var connection = await OpenAsync(database.DirectConnectionString);
        await using var transaction = await connection.BeginTransactionAsync();
        await RunAsync(connection, "SET LOCAL statement_timeout = 100", transaction);
        await AssertTransientAsync(RunAsync(connection, "SELECT pg_sleep(5)", transaction), TransientFailureKind.RolledBack, "57014");
    }

    [Fact]
    public async Task A_serialization_failure_is_rolled_back()
    {
        var table = await CreateRowsAsync();
        await using var first = await OpenAsync(database.DirectConnectionString);
        await using var second = await OpenAsync(database.DirectConnectionString);
        await using var snapshot = await first.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead);
        await RunAsync(first, $"SELECT * FROM public.{table}", snapshot);
        await RunAsync(second, $"UPDATE public.{table} SET v = v + 1 WHERE id = 1");
        await AssertTransientAsync(RunAsync(first, $"UPDATE public.{table} SET v = v + 1 WHERE id = 1", snapshot), TransientFailureKind.RolledBack, "40001");
    }

    [Fact]
    public async Task A_deadlock_is_rolled_back()
    {
        var table = await CreateRowsAsync();
        var unpooled = new NpgsqlConnectionStringBuilder(database.DirectConnectionString) { Pooling = false }.ConnectionString;
        await using var first = await OpenAsync(unpooled);
        await using var second = await OpenAsync(unpooled);
        await using var one = await first.BeginTransactionAsync();
        await using var two = await second.BeginTransactionAsync();
        await RunAsync(first, $"UPDATE public.{table} SET v = 1 WHERE id = 1", one);
        await RunAsync(second, $"UPDATE public.{table} SET v = 2 WHERE id = 2", two);
        var firstWaits = RunAsync(first, $"UPDATE public.{table} SET v = 1 WHERE id = 2", one);
        await WaitForLockWaitAsync(first.ProcessID);
        var secondWaits = RunAsync(second, $"UPDATE public.{table} SET v = 2 WHERE id = 1", two);
        // PostgreSQL breaks the cycle after deadlock_timeout by failing one of the two; the other then goes on and may
        // even be seen to finish first, so wait for both and take the one that failed.
        await Task.WhenAll(firstWaits, secondWaits).ContinueWith(_ => { }, TaskScheduler.Default).WaitAsync(Bound);
        var victim = Assert.Single(new[] { firstWaits, secondWaits }, t => t.IsFaulted);
        await AssertTransientAsync(victim, TransientFailureKind.RolledBack, "40P01");
    }

    [Fact]
    public async Task A_lock_timeout_is_rolled_back()
    {
        var table = await CreateRowsAsync();
        await using var holder = await OpenAsync(database.DirectConnectionString);
        await using var waiter = await OpenAsync(database.DirectConnectionString);
        await using var held = await holder.BeginTransactionAsync();
        await RunAsync(holder, $"SELECT * FROM public.{table} WHERE id = 1 FOR UPDATE", held);
        await using var waiting = await waiter.BeginTransactionAsync();
        await RunAsync(waiter, "SET LOCAL lock_timeout = 100", waiting);
        await AssertTransientAsync(RunAsync(waiter, $"UPDATE public.{table} SET v = 3 WHERE id = 1", waiting), TransientFailureKind.RolledBack, "55P03");
    }

    [Fact]
    public async Task A_write_refused_as_read_only_is_unavailable()
    {
        // What a standby answers to a write after a failover, until clients find the new primary: 25006.
        var table = await CreateRowsAsync();
        await using var connection = await OpenAsync(database.DirectConnectionString);
        await using var transaction = await connection.BeginTransactionAsync();
        await RunAsync(connection, "SET TRANSACTION READ ONLY", transaction);
        await AssertTransientAsync(RunAsync(connection, $"UPDATE public.{table} SET v = 4 WHERE id = 1", transaction), TransientFailureKind.Unavailable, "25006");
    }

    [Fact]
    public async Task PgBouncer_refusing_a_client_over_max_client_conn_is_unavailable()
    {
        await using var pooler = await SecondPooler.StartAsync(database, "transaction", editIni: ini => MaxClientConn().Replace(ini, "max_client_conn = 2"));
        var connectionString = new NpgsqlConnectionStringBuilder(pooler.ConnectionString) { Pooling = false }.ConnectionString;
        var open = new List<NpgsqlConnection>();
        try
        {
            Exception? refused = null;
            for (var i = 0; i < 5 && refused is null; i++)
            {
                try
                {
                    var connection = await OpenAsync(connectionString);
                    open.Add(connection);
                    await RunAsync(connection, "SELECT 1");
                }
                catch (Exception ex)
                {
                    refused = ex;
                }
            }

            Assert.True(refused is not null, "PgBouncer accepted five clients with max_client_conn = 2");
            AssertTransient(refused, TransientFailureKind.Unavailable, "08P01", "no more connections allowed");
        }
        finally
        {
            foreach (var connection in open)
            {
                await connection.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task PgBouncer_query_wait_timeout_is_unavailable()
    {
        // One server connection, held by a transaction; the next client's query waits in PgBouncer's queue and gives up.
        await using var pooler = await SecondPooler.StartAsync(database, "transaction", editIni: ini =>
            QueryWaitTimeout().Replace(PoolSize().Replace(MaxDbConnections().Replace(ini, "max_db_connections = 1"), "default_pool_size = 1"), "query_wait_timeout = 1"));
        await using var holder = await OpenAsync(pooler.ConnectionString);
        await using var held = await holder.BeginTransactionAsync();
        await RunAsync(holder, "SELECT 1", held);
        // Npgsql's first connection of a data source already queries (its type loading), so the wait may end in Open.
        await AssertTransientAsync(OpenAndRunAsync(new NpgsqlConnectionStringBuilder(pooler.ConnectionString) { Pooling = false }.ConnectionString, "SELECT 1"),
            TransientFailureKind.Unavailable, "08P01", "query_wait_timeout");
    }

    [Fact]
    public async Task PgBouncer_unable_to_reach_its_server_is_unavailable()
    {
        // The pooler is up, PostgreSQL behind it is not (a restart seen from the pooler): the login to the server fails.
        var closed = LocalPgBouncerProcess.FreeLoopbackPort();
        await using var pooler = await SecondPooler.StartAsync(database, "transaction", editIni: ini =>
            QueryWaitTimeout().Replace(ServerPort().Replace(ini, $"${{1}}{closed}"), "query_wait_timeout = 5"));
        await AssertTransientAsync(OpenAndRunAsync(new NpgsqlConnectionStringBuilder(pooler.ConnectionString) { Pooling = false }.ConnectionString, "SELECT 1"),
            TransientFailureKind.Unavailable, "08P01");
    }

    [Fact]
    public async Task Refusals_that_retrying_cannot_fix_are_not_transient()
    {
        var table = await CreateRowsAsync();
        await using var connection = await OpenAsync(database.DirectConnectionString);
        // A unique violation: the request's own conflict.
        await AssertNotTransientAsync(RunAsync(connection, $"INSERT INTO public.{table} VALUES (1, 0)"), "23505");
        // Threadline's own refusals: a strict table without an actor (42501), a partition operation on an install
        // without partitions (55000, which Npgsql's IsTransient calls transient).
        await new Capture.CaptureManager().EnableAsync(connection, new Capture.TableCaptureOptions(table) { RequireActor = true });
        await AssertNotTransientAsync(RunAsync(connection, $"UPDATE public.{table} SET v = 5 WHERE id = 1"), ThreadlineSqlStates.ActorRequired);
        await AssertNotTransientAsync(RunAsync(connection, "DO $$ BEGIN RAISE EXCEPTION 'as threadline raises it' USING ERRCODE = '55000'; END $$"), ThreadlineSqlStates.ChangesNotPartitioned);
    }

    private async Task AssertTransientAsync(Task operation, TransientFailureKind kind, string? sqlState, string? message = null)
    {
        var failure = await Record.ExceptionAsync(() => operation.WaitAsync(Bound));
        Assert.True(failure is not null, "the operation succeeded; the failure was not produced");
        AssertTransient(failure, kind, sqlState, message);
    }

    private void AssertTransient(Exception failure, TransientFailureKind kind, string? sqlState, string? message = null)
    {
        output.WriteLine($"{failure.GetType().FullName}, SQLSTATE {ThreadlineErrors.SqlStateOf(failure) ?? "none"}: {failure.Message}{(failure.InnerException is { } inner ? $" ---> {inner.GetType().FullName}: {inner.Message}" : "")}");
        Assert.IsNotType<TimeoutException>(failure); // the test's own bound, not the failure under test
        var transient = ThreadlineErrors.FindTransient(failure);
        Assert.True(transient is not null, $"not classified as transient: {failure}");
        Assert.Equal(kind, transient.Kind);
        Assert.Equal(sqlState, transient.SqlState);
        if (message is not null)
        {
            Assert.Contains(message, failure.Message, StringComparison.Ordinal);
        }
    }

    private async Task AssertNotTransientAsync(Task operation, string sqlState)
    {
        var failure = await Record.ExceptionAsync(() => operation.WaitAsync(Bound));
        Assert.NotNull(failure);
        output.WriteLine($"{failure.GetType().FullName}, SQLSTATE {ThreadlineErrors.SqlStateOf(failure) ?? "none"}: {failure.Message}");
        Assert.Equal(sqlState, ThreadlineErrors.SqlStateOf(failure));
        Assert.False(ThreadlineErrors.IsTransient(failure));
    }

    private static async Task<NpgsqlConnection> OpenAsync(string connectionString)
    {
        var connection = new NpgsqlConnection(connectionString);
        try
        {
            await connection.OpenAsync();
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private static async Task OpenAndRunAsync(string connectionString, string sql)
    {
        await using var connection = await OpenAsync(connectionString);
        await RunAsync(connection, sql);
    }

    private static async Task RunAsync(NpgsqlConnection connection, string sql, NpgsqlTransaction? transaction = null)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction) { CommandTimeout = 60 };
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>The backend pid running the query that contains <paramref name="marker"/>, once it runs.</summary>
    private async Task<int> BackendRunningAsync(string marker)
    {
        await using var admin = await OpenAsync(database.DirectConnectionString);
        var pid = 0;
        var found = await Eventually.TrueWithinAsync(Bound, async () =>
        {
            await using var command = new NpgsqlCommand("SELECT pid FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%' || $1 || '%' AND pid <> pg_backend_pid()", admin);
            command.Parameters.Add(new NpgsqlParameter { Value = marker });
            pid = (int?)await command.ExecuteScalarAsync() ?? 0;
            return pid != 0;
        });
        Assert.True(found, $"no backend ran the query marked {marker}");
        return pid;
    }

    private async Task TerminateWhenRunningAsync(int pid)
    {
        await using var admin = await OpenAsync(database.DirectConnectionString);
        Assert.True(await Eventually.TrueWithinAsync(Bound, async () =>
            await ScalarAsync<long>(admin, $"SELECT count(*) FROM pg_stat_activity WHERE pid = {pid} AND state = 'active'") == 1), $"backend {pid} never ran its query");
        Assert.True(await ScalarAsync<bool>(admin, $"SELECT pg_terminate_backend({pid})"));
    }

    private async Task WaitForLockWaitAsync(int pid)
    {
        await using var admin = await OpenAsync(database.DirectConnectionString);
        Assert.True(await Eventually.TrueWithinAsync(Bound, async () =>
            await ScalarAsync<long>(admin, $"SELECT count(*) FROM pg_stat_activity WHERE pid = {pid} AND wait_event_type = 'Lock'") == 1), $"backend {pid} never waited on a lock");
    }

    /// <summary>A table of two rows (id 1 and 2) that the test connections may lock and update.</summary>
    private async Task<string> CreateRowsAsync()
    {
        await using var admin = await OpenAsync(database.DirectConnectionString);
        var table = await admin.CreateTableAsync("transient", "(id int PRIMARY KEY, v int NOT NULL)");
        await RunAsync(admin, $"INSERT INTO public.{table} VALUES (1, 0), (2, 0)");
        return table;
    }

    private static int Port(string connectionString) => new NpgsqlConnectionStringBuilder(connectionString).Port;

    private static string Through(FaultyTcpProxy proxy, string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Host = "127.0.0.1", Port = proxy.Port, Pooling = false }.ConnectionString;

    [GeneratedRegex(@"(?m)^max_client_conn\s*=.*$")]
    private static partial Regex MaxClientConn();

    [GeneratedRegex(@"(?m)^query_wait_timeout\s*=.*$")]
    private static partial Regex QueryWaitTimeout();

    [GeneratedRegex(@"(?m)^default_pool_size\s*=.*$")]
    private static partial Regex PoolSize();

    [GeneratedRegex(@"(?m)^max_db_connections\s*=.*$")]
    private static partial Regex MaxDbConnections();

    /// <summary>The port of the [databases] entry's server.</summary>
    [GeneratedRegex(@"(?m)^(\S+\s*=\s*host=\S+\s+port=)\d+")]
    private static partial Regex ServerPort();
}
