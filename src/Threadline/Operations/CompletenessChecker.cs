using System.Data;
using System.Diagnostics;
using System.Globalization;
using Npgsql;
using Threadline.Capture;
using Threadline.Schema;
using static Threadline.NpgsqlExecution;

namespace Threadline.Operations;

/// <summary>
/// Finds live rows of captured tables whose last write has no audit record. A row's xmin is the transaction that
/// last inserted or updated it; the write is audited when a change of that table, for that row's key, was written by
/// the same transaction (compared through the change row's own xmin, so savepoints match). One scan per table with
/// the table's audited writes hashed (examples collected in the same scan), each table in its own read-only snapshot. Rows written before capture began,
/// or before the oldest change retention kept, are counted apart: whether they were audited cannot be told.
/// Needs SELECT on the captured tables and on the audit tables (the owner, or a role in both groups).
/// </summary>
/// <param name="options">The schema and role names of the installation; <see cref="ThreadlineSchemaOptions.Default"/> when omitted.</param>
public sealed class CompletenessChecker(ThreadlineSchemaOptions? options = null)
{
    private const ulong Epoch = 1UL << 32;

    private readonly ThreadlineSchemaOptions _options = options ?? ThreadlineSchemaOptions.Default;

    /// <summary>
    /// Checks the selected captured tables one by one, each in its own read-only REPEATABLE READ snapshot: scans the table's
    /// live rows and compares each row's last writing transaction with the audited changes of that table. Reads only;
    /// changes nothing.
    /// </summary>
    /// <param name="connection">An open connection with SELECT on the captured tables and on the audit tables.</param>
    /// <param name="options">Which tables and how many examples; every captured table and 10 examples when omitted.</param>
    /// <param name="cancellationToken">Cancels the scans.</param>
    /// <returns>One result per table, with exact counts and the limits of such a check.</returns>
    /// <exception cref="ArgumentException">The sample size is outside 0 to <see cref="CompletenessOptions.MaxSampleSize"/>.</exception>
    /// <exception cref="CaptureException">A named table is not captured; the message lists the captured tables.</exception>
    public async Task<CompletenessReport> CheckAsync(NpgsqlConnection connection, CompletenessOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        options ??= new CompletenessOptions();
        if (options.SampleSize is < 0 or > CompletenessOptions.MaxSampleSize)
        {
            throw new ArgumentException($"The sample size must be from 0 to {CompletenessOptions.MaxSampleSize}.", nameof(options));
        }

        using var activity = ThreadlineTelemetry.ActivitySource.StartActivity("threadline.verify.completeness");
        var captured = await new CaptureManager(_options).ListAsync(connection, cancellationToken).ConfigureAwait(false);
        var byName = captured.ToDictionary(t => $"{t.Schema}.{t.Table}", StringComparer.Ordinal);
        var unknown = options.Tables.Where(t => !byName.ContainsKey(t)).ToArray();
        if (unknown.Length > 0)
        {
            throw new CaptureException(
                $"Not captured: {string.Join(", ", unknown)}. Captured tables: {(byName.Count == 0 ? "none" : string.Join(", ", byName.Keys.Order(StringComparer.Ordinal)))}.");
        }

        var selected = options.Tables.Count == 0 ? captured : options.Tables.Distinct(StringComparer.Ordinal).Select(t => byName[t]).ToArray();
        var results = new List<TableCompleteness>();
        foreach (var table in selected)
        {
            results.Add(await CheckTableAsync(connection, table, options.SampleSize, cancellationToken).ConfigureAwait(false));
        }

        var report = new CompletenessReport(results, CompletenessReport.Limits);
        activity?.SetTag("threadline.completeness.unaudited", report.Unaudited);
        ThreadlineTelemetry.Verifications.Add(1, new("kind", "completeness"), new("outcome", report.Complete ? "ok" : "failed"));
        return report;
    }

    private async Task<TableCompleteness> CheckTableAsync(NpgsqlConnection connection, CapturedTable table, int sampleSize, CancellationToken cancellationToken)
    {
        var started = Stopwatch.StartNew();
        var name = $"{table.Schema}.{table.Table}";
        // One snapshot per table: the rows and the audit records are read as of the same moment.
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        // One backend: parallel workers each rebuilt the whole audited hash (measured: three times the work on 2 cores).
        // A hash join: the age() filter defeats the row estimate, and the planner's merge join sorted both sides (twice as slow).
        await ExecuteAsync(connection, transaction,
            "SET TRANSACTION READ ONLY; SET LOCAL max_parallel_workers_per_gather = 0; SET LOCAL enable_mergejoin = off; SET LOCAL enable_nestloop = off",
            cancellationToken).ConfigureAwait(false);
        var start = await ReadStartAsync(connection, transaction, table, cancellationToken).ConfigureAwait(false);
        var notes = new List<string>();
        if (!start.CaptureStartExact)
        {
            notes.Add("Captured before the schema recorded the start of capture: the start used is the table's oldest audited transaction, so rows written between the real start and it count as before capture.");
        }

        if (!start.Exists)
        {
            notes.Add("Registered for capture, but the table no longer exists: nothing to check.");
            return Result(0, 0, 0, 0, 0, []);
        }

        // The newest xid that can have written a row this snapshot sees.
        var newest = start.NextXid - 1;
        if (start.Txid > newest)
        {
            notes.Add("The capture start is a transaction this cluster has not reached: the audit schema was restored from another cluster. Every row counts as before capture; enable capture again to start over.");
        }

        if (newest >= Epoch)
        {
            notes.Add($"The transaction counter has wrapped {newest / Epoch} time(s); xids older than 2^31 transactions cannot be read and count as before capture or too old to tell.");
        }

        var floor = start.Txid;
        if (start.HistoryPurgedAt is { } purgedAt)
        {
            floor = Math.Max(floor, start.OldestRetainedTxid ?? start.NextXid);
            notes.Add($"Retention purged history of this table (last on {purgedAt:u}): rows last written before transaction {floor} may have lost their audit record and count as history purged.");
        }

        if (table.Options.Mask.Count > 0)
        {
            notes.Add($"Masked columns ({string.Join(", ", table.Options.Mask)}): a row counted as unchanged since its last audited image may differ in a masked value.");
        }

        var classified = CompletenessSql.Classified(table.Options, table.KeyColumns, _options);
        var parameters = new object[] { table.Schema, table.Table, Age(start.AgeBase, start.Txid), Age(start.AgeBase, floor), (long)start.AgeBase, start.StartedAt };
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        var samples = new List<UnauditedRow>();
        await using (var command = Command(connection, transaction, CompletenessSql.Counts(classified, _options), [.. parameters, sampleSize]))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                counts[reader.GetString(0)] = reader.GetInt64(1);
                if (!reader.IsDBNull(2))
                {
                    // "key xid": the key is JSON and may hold spaces, the xid never does.
                    samples.AddRange(reader.GetFieldValue<string[]>(2).Select(pair => pair.LastIndexOf(' ') is var space and > 0
                        ? new UnauditedRow(pair[..space], ulong.Parse(pair[(space + 1)..], CultureInfo.InvariantCulture))
                        : throw new InvalidOperationException($"Unexpected sample '{pair}'.")));
                }
            }
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return Result(counts.GetValueOrDefault("audited"), counts.GetValueOrDefault("unaudited"), counts.GetValueOrDefault("unchanged"),
            counts.GetValueOrDefault("before_capture"), counts.GetValueOrDefault("history_purged"), samples);

        TableCompleteness Result(long audited, long unaudited, long unchanged, long before, long purged, IReadOnlyList<UnauditedRow> sample) =>
            new(name, start.Exists, start.Txid, start.StartedAt, start.CaptureStartExact, audited, unaudited, unchanged, before, purged, sample, notes, started.Elapsed);
    }

    /// <summary>
    /// How many transactions before <paramref name="ageBase"/> the xid <paramref name="txid"/> is, as age() counts:
    /// -1 for one in the future (nothing is that young), at most 2^31 - 2 (older xids cannot be read).
    /// </summary>
    private static int Age(ulong ageBase, ulong txid) =>
        txid > ageBase ? -1 : (int)Math.Min(ageBase - txid, int.MaxValue - 1);

    private async Task<CaptureStart> ReadStartAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CapturedTable table, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, AuditSchemaNames.For(_options).Statement("completeness_start"), [table.Schema, table.Table]);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            throw new CaptureException($"{table.Schema}.{table.Table} stopped being captured while it was being checked.");
        }

        return new CaptureStart(
            (ulong)reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetBoolean(2),
            reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3), reader.GetBoolean(4),
            (ulong)reader.GetInt64(5), (ulong)reader.GetInt64(6), reader.IsDBNull(7) ? null : (ulong)reader.GetInt64(7));
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, object[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection, transaction) { CommandTimeout = 0 };
        foreach (var value in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        return command;
    }

    private sealed record CaptureStart(
        ulong Txid, DateTimeOffset StartedAt, bool CaptureStartExact, DateTimeOffset? HistoryPurgedAt, bool Exists, ulong NextXid, ulong AgeBase, ulong? OldestRetainedTxid);
}
