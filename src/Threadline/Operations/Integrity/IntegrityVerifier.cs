using System.Data;
using System.Diagnostics;
using Npgsql;
using NpgsqlTypes;
using Threadline.Schema;

namespace Threadline.Operations.Integrity;

/// <summary>
/// Recomputes every seal from the audit rows and names each row that was changed, deleted or inserted since it was
/// sealed; rows the purge log accounts for are counted as purged, not reported. Per seal, block digests are compared
/// in SQL first; only blocks that differ are drilled into row by row. Runs in one REPEATABLE READ snapshot, as any
/// role that can read the audit schema (the reader group will do).
/// </summary>
/// <param name="options">The schema and role names of the installation; <see cref="ThreadlineSchemaOptions.Default"/> when omitted.</param>
public sealed class IntegrityVerifier(ThreadlineSchemaOptions? options = null)
{
    private const int MaxListed = 1_000;

    private readonly ThreadlineSchemaOptions _options = options ?? ThreadlineSchemaOptions.Default;

    private AuditSchemaNames Names => AuditSchemaNames.For(_options);

    /// <summary>
    /// Recomputes every seal and the hashes of the rows it covers, in one REPEATABLE READ snapshot, and reports rows changed,
    /// deleted without a purge-log entry, inserted into sealed history or orphaned, and a broken chain. Reads only.
    /// </summary>
    /// <param name="connection">An open connection as a role that can read the audit schema (the reader group will do).</param>
    /// <param name="anchor">An exported anchor: its seal must still be in the chain with the same hash.</param>
    /// <param name="cancellationToken">Cancels the verification.</param>
    /// <returns>The report; <see cref="IntegrityReport.Intact"/> is what a gate should use.</returns>
    public async Task<IntegrityReport> VerifyAsync(NpgsqlConnection connection, SealAnchor? anchor = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        using var activity = ThreadlineTelemetry.ActivitySource.StartActivity("threadline.verify.integrity");
        var started = Stopwatch.StartNew();
        // One snapshot for the whole check: a purge or seal committing meanwhile cannot make it disagree with itself.
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        var seals = await LoadSealsAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        // Seals written on schema version 12 hashed that layout's rows, which the upgrade copied into this one: their
        // chain is verified, not their rows; the first later seal covers every transaction the last of them did not.
        var lastOldSeal = await LastOldLayoutSealAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        var findings = new List<IntegrityFinding>();
        long verified = 0, purged = 0;
        string? previousSnapshot = null;
        long? previousId = null;
        foreach (var record in seals)
        {
            var seal = record.Seal;
            if (seal.PreviousId != previousId || !record.PredecessorFound)
            {
                findings.Add(new(IntegrityProblem.BrokenSeal, null, null, seal.Id,
                    $"seal {seal.Id} follows seal {seal.PreviousId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(none)"}, but the seal before it is {previousId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(none)"}: a seal was removed or inserted"));
            }
            else if (!record.Recomputes)
            {
                findings.Add(new(IntegrityProblem.BrokenSeal, null, null, seal.Id, $"seal {seal.Id}: its stored hash, digest or counts do not recompute from its blocks and its predecessor"));
            }

            // A seal's window starts where its stored predecessor's snapshot ends (or, that one gone, the seal before it).
            var after = record.PredecessorFound ? record.PredecessorSnapshot : previousSnapshot;
            // Rows: a version 12 seal hashed transaction rows too; a later one counts its heads, which are change rows.
            verified += (seal.Id <= lastOldSeal ? seal.Transactions : 0) + seal.Changes + seal.PurgeEntries;
            if (seal.Id > lastOldSeal)
            {
                purged += await CompareAsync(connection, transaction, seal.Id, after, record.Snapshot, findings, cancellationToken).ConfigureAwait(false);
            }

            previousSnapshot = record.Snapshot;
            previousId = seal.Id;
        }

        await FindOrphansAndForgeriesAsync(connection, transaction, findings, cancellationToken).ConfigureAwait(false);
        var unsealed = await CountAsync(connection, transaction, $"SELECT count(*) FROM {Names.Qualify("sealed_rows")}($1::text::pg_snapshot, pg_current_snapshot())", previousSnapshot, cancellationToken).ConfigureAwait(false);
        if (anchor is not null)
        {
            CheckAnchor(anchor, seals, findings);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        var report = new IntegrityReport(seals.Count, seals.Count > 0 ? seals[^1].Seal : null, verified, purged, unsealed, anchor is not null, findings, started.Elapsed);
        activity?.SetTag("threadline.integrity.findings", findings.Count);
        ThreadlineTelemetry.Verifications.Add(1, new("kind", "integrity"), new("outcome", report.Intact ? "ok" : "failed"));
        return report;
    }

    private static void CheckAnchor(SealAnchor anchor, IReadOnlyList<SealRecord> seals, List<IntegrityFinding> findings)
    {
        var match = seals.FirstOrDefault(s => s.Seal.Id == anchor.SealId);
        if (match is null)
        {
            findings.Add(new(IntegrityProblem.AnchorMismatch, null, null, anchor.SealId, $"the anchor's seal {anchor.SealId} is not in the database: the chain was cut or rewritten"));
        }
        else if (!string.Equals(match.Seal.Hash, anchor.Hash, StringComparison.Ordinal))
        {
            findings.Add(new(IntegrityProblem.AnchorMismatch, null, null, anchor.SealId,
                $"seal {anchor.SealId} has hash {match.Seal.Hash}, the anchor says {anchor.Hash}: the chain was rewritten"));
        }
    }

    private async Task<long> LastOldLayoutSealAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT coalesce(s.layout_v013_last_old_seal_id, 0) FROM {Names.Settings} s", connection, transaction);
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) ?? 0L);
    }

    private async Task<List<SealRecord>> LoadSealsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(Names.Statement("integrity_seals"), connection, transaction);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var seals = new List<SealRecord>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            seals.Add(new SealRecord(AuditSealer.Read(reader), reader.GetString(8), reader.IsDBNull(9) ? null : reader.GetString(9), reader.GetBoolean(10), reader.GetBoolean(11)));
        }

        return seals;
    }

    /// <summary>Compares one seal's blocks with a recomputation; adds findings; returns how many sealed rows were purged.</summary>
    private async Task<long> CompareAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, long sealId, string? after, string upto, List<IntegrityFinding> findings, CancellationToken cancellationToken)
    {
        long purged = 0;
        var suspects = new List<(short Kind, long Block)>();
        await using (var command = new NpgsqlCommand(Names.Statement("integrity_compare"), connection, transaction) { CommandTimeout = 0 })
        {
            AddWindow(command, sealId, after, upto);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                if (reader.GetBoolean(2))
                {
                    purged += reader.GetInt32(3);
                }
                else
                {
                    suspects.Add((reader.GetInt16(0), reader.GetInt64(1)));
                }
            }
        }

        return suspects.Count == 0 ? purged : purged + await DrillDownAsync(connection, transaction, sealId, after, upto, suspects, findings, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Row by row within the blocks that differ: stored id and hash prefix against the recomputed rows.</summary>
    private async Task<long> DrillDownAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, long sealId, string? after, string upto, List<(short Kind, long Block)> suspects,
        List<IntegrityFinding> findings, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(Names.Statement("integrity_drill_down"), connection, transaction) { CommandTimeout = 0 };
        AddWindow(command, sealId, after, upto);
        command.Parameters.Add(new NpgsqlParameter { Value = suspects.Select(s => s.Kind).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Smallint });
        command.Parameters.Add(new NpgsqlParameter { Value = suspects.Select(s => s.Block).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = suspects.Min(s => s.Block) << 10, NpgsqlDbType = NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = (suspects.Max(s => s.Block) + 1) << 10, NpgsqlDbType = NpgsqlDbType.Bigint });
        long purged = 0;
        var explained = new HashSet<(short, long)>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var kind = (AuditRowKind)reader.GetInt16(0);
                var id = reader.GetInt64(2);
                explained.Add((reader.GetInt16(0), reader.GetInt64(1)));
                var problem = reader.GetString(3) switch
                {
                    "purged" => (IntegrityProblem?)null,
                    "deleted" => IntegrityProblem.Deleted,
                    "inserted" => IntegrityProblem.Inserted,
                    _ => IntegrityProblem.Changed,
                };
                if (problem is null)
                {
                    purged++;
                    continue;
                }

                findings.Add(new(problem.Value, kind, id, sealId, problem switch
                {
                    IntegrityProblem.Deleted => $"{Name(kind)} {id} was sealed by seal {sealId} and is gone; no purge-log entry accounts for it",
                    IntegrityProblem.Inserted => $"{Name(kind)} {id} belongs to the window of seal {sealId} but was not sealed by it",
                    _ => $"{Name(kind)} {id} differs from what seal {sealId} sealed",
                }));
            }
        }

        foreach (var (kind, block) in suspects.Where(s => !explained.Contains(s)))
        {
            findings.Add(new(IntegrityProblem.UnlocalisedBlock, (AuditRowKind)kind, block << 10, sealId,
                $"the {Name((AuditRowKind)kind)} block of ids {block << 10}-{((block + 1) << 10) - 1} differs from seal {sealId}, but no stored row-hash prefix does"));
        }

        return purged;
    }

    private async Task FindOrphansAndForgeriesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, List<IntegrityFinding> findings, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(Names.Statement("integrity_orphans"), connection, transaction) { CommandTimeout = 0 };
        command.Parameters.Add(new NpgsqlParameter { Value = MaxListed });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var id = reader.GetInt64(1);
            findings.Add(reader.GetString(0) switch
            {
                "orphan" => new(IntegrityProblem.Orphaned, AuditRowKind.Change, id, null, $"change {id} has no head, the first change of its transaction that carries its context (capture always writes one, and retention removes a transaction whole)"),
                "actor" => new(IntegrityProblem.ActorMismatch, AuditRowKind.Change, id, null, $"change {id} carries a transaction context, which only its transaction's head may (the change row was edited)"),
                _ => new(IntegrityProblem.FutureTransaction, AuditRowKind.Transaction, id, null, $"transaction {id} (its head change) carries a transaction id this server has not issued yet"),
            });
        }
    }

    private static async Task<long> CountAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, string? snapshot, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction) { CommandTimeout = 0 };
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)snapshot ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private static void AddWindow(NpgsqlCommand command, long sealId, string? after, string upto)
    {
        command.Parameters.Add(new NpgsqlParameter { Value = sealId, NpgsqlDbType = NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)after ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = upto, NpgsqlDbType = NpgsqlDbType.Text });
    }

    internal static string Name(AuditRowKind kind) => kind switch
    {
        AuditRowKind.Transaction => "transaction",
        AuditRowKind.Change => "change",
        _ => "purge-log entry",
    };
}
