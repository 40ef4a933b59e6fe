using Npgsql;
using Threadline.Capture;
using Threadline.Npgsql;
using Threadline.Schema;
using static Threadline.NpgsqlExecution;

namespace Threadline.Operations;

/// <summary>Whether a table that already holds data can move under capture, and what to know first.</summary>
/// <param name="Table">The table, "schema.table".</param>
/// <param name="Ready">Whether capture can be enabled now: no problems.</param>
/// <param name="AlreadyCaptured">Whether the table is captured already (a baseline would then sit in the middle of its history).</param>
/// <param name="EstimatedRows">The planner's row estimate: what a baseline would write, roughly.</param>
/// <param name="KeyColumns">The key columns capture would record.</param>
/// <param name="OtherTriggers">The table's other triggers, which may write to other tables.</param>
/// <param name="Problems">Why it is not ready, each in words; empty when ready.</param>
public sealed record ContinuityReport(
    string Table,
    bool Ready,
    bool AlreadyCaptured,
    long EstimatedRows,
    IReadOnlyList<string> KeyColumns,
    IReadOnlyList<string> OtherTriggers,
    IReadOnlyList<string> Problems);

/// <summary>What enabling capture on an existing table did.</summary>
/// <param name="Capture">The table's capture as now registered.</param>
/// <param name="BaselineRows">Baseline changes written, one per existing row; 0 without a baseline.</param>
/// <param name="TransactionId">The audit transaction that holds the baseline; <see langword="null"/> without one.</param>
public sealed record BaselineResult(CapturedTable Capture, long BaselineRows, long? TransactionId);

/// <summary>
/// Brownfield adoption. Capture records changes from the moment it is enabled; rows that existed before have no
/// history. With a baseline, the same transaction that enables capture records each existing row's image as a
/// 'baseline' change (actor system:threadline-baseline, source "baseline"), under a SHARE lock that holds writers
/// back until it commits, so no change can slip between the baseline and capture. Point-in-time queries then answer
/// from the cutover on; baselines are marked op = 'baseline' and are never reported as someone's change.
/// </summary>
/// <param name="options">The schema and role names of the installation; <see cref="ThreadlineSchemaOptions.Default"/> when omitted.</param>
public sealed class ContinuityManager(ThreadlineSchemaOptions? options = null)
{
    /// <summary>The actor of baseline changes: <c>system:threadline-baseline</c>, so nobody is blamed for existing rows.</summary>
    public static readonly ActorRef BaselineActor = ActorRef.System("threadline-baseline");

    private readonly ThreadlineSchemaOptions _options = options ?? ThreadlineSchemaOptions.Default;

    /// <summary>
    /// Says whether <paramref name="options"/>' table can move under capture: it must exist, the options must fit its
    /// columns and key, and it must not be captured already. Reads the catalog only; the row count is the planner's estimate
    /// (<c>pg_class.reltuples</c>), and other triggers on the table are listed because they may write elsewhere.
    /// </summary>
    /// <param name="connection">An open connection that can read the catalog and <c>captured_tables</c>.</param>
    /// <param name="options">The table and the capture options it would get.</param>
    /// <param name="cancellationToken">Cancels the queries.</param>
    /// <returns>The report; a missing table or invalid options are problems in it, not exceptions.</returns>
    public async Task<ContinuityReport> CheckAsync(NpgsqlConnection connection, TableCaptureOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var name = $"{options.Schema}.{options.Table}";
        var capture = new CaptureManager(_options);
        var problems = new List<string>();
        TableDefinition table;
        try
        {
            table = await capture.DescribeAsync(connection, options.Schema, options.Table, cancellationToken).ConfigureAwait(false);
        }
        catch (CaptureException ex)
        {
            return new ContinuityReport(name, false, false, 0, [], [], [ex.Message]);
        }

        IReadOnlyList<string> keys = [];
        try
        {
            keys = CaptureSqlGenerator.Validate(table, options, _options);
        }
        catch (CaptureException ex)
        {
            problems.Add(ex.Message);
        }

        var captured = (await capture.ListAsync(connection, cancellationToken).ConfigureAwait(false)).Any(t => t.Schema == options.Schema && t.Table == options.Table);
        if (captured)
        {
            problems.Add($"{name} is already captured; a baseline now would sit in the middle of its history.");
        }

        await using var command = new NpgsqlCommand("""
            SELECT greatest(c.reltuples, 0)::bigint,
                   coalesce(array(SELECT t.tgname::text FROM pg_catalog.pg_trigger t
                                   WHERE t.tgrelid = c.oid AND NOT t.tgisinternal AND t.tgname NOT LIKE 'threadline\_capture\_%' ORDER BY 1), '{}')
              FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = $1 AND c.relname = $2
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = options.Schema });
        command.Parameters.Add(new NpgsqlParameter { Value = options.Table });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return new ContinuityReport(name, problems.Count == 0, captured, reader.GetInt64(0), keys, reader.GetFieldValue<string[]>(1), problems);
    }

    /// <summary>
    /// Enables capture on a table that already holds data, optionally recording a baseline of every existing row.
    /// All in one transaction: it either happens completely or not at all. Writers wait for it to commit.
    /// </summary>
    public async Task<BaselineResult> EnableAsync(NpgsqlConnection connection, TableCaptureOptions options, bool baseline, CancellationToken cancellationToken = default)
    {
        var report = await CheckAsync(connection, options, cancellationToken).ConfigureAwait(false);
        if (!report.Ready)
        {
            throw new CaptureException($"{report.Table} is not ready for capture: {string.Join(" ", report.Problems)}");
        }

        var capture = new CaptureManager(_options);
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false))
        {
            await ExecuteAsync(connection, transaction, $"LOCK TABLE {SqlIdentifier.Qualified(options.Schema, options.Table)} IN SHARE MODE", cancellationToken).ConfigureAwait(false);
            var table = await capture.DescribeAsync(connection, options.Schema, options.Table, cancellationToken).ConfigureAwait(false);
            var keys = CaptureSqlGenerator.Validate(table, options, _options);
            await ExecuteAsync(connection, transaction, CaptureSqlGenerator.EnableSql(table, options, _options), cancellationToken).ConfigureAwait(false);
            long rows = 0;
            long? transactionId = null;
            if (baseline)
            {
                await transaction.SetAuditContextAsync(new AuditContext(BaselineActor) { Source = "baseline" }, cancellationToken).ConfigureAwait(false);
                await using var insert = new NpgsqlCommand(CaptureSqlGenerator.BaselineSql(table, keys, options, _options), connection, transaction);
                rows = await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                await using var id = new NpgsqlCommand($"SELECT {AuditSchemaNames.For(_options).CurrentTransactionId}()", connection, transaction);
                transactionId = await id.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as long?;
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            var captured = (await capture.ListAsync(connection, cancellationToken).ConfigureAwait(false)).Single(t => t.Schema == options.Schema && t.Table == options.Table);
            return new BaselineResult(captured, rows, transactionId);
        }
    }
}
