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

    private string S => SqlIdentifier.Quote(_options.Schema);

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
        using var activity = ThreadlineTelemetry.ActivitySource.StartActivity("threadline.verify_integrity");
        var started = Stopwatch.StartNew();
        // One snapshot for the whole check: a purge or seal committing meanwhile cannot make it disagree with itself.
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        var seals = await LoadSealsAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
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
            verified += seal.Transactions + seal.Changes + seal.PurgeEntries;
            purged += await CompareAsync(connection, transaction, seal.Id, after, record.Snapshot, findings, cancellationToken).ConfigureAwait(false);
            previousSnapshot = record.Snapshot;
            previousId = seal.Id;
        }

        await FindOrphansAndForgeriesAsync(connection, transaction, findings, cancellationToken).ConfigureAwait(false);
        var unsealed = await CountAsync(connection, transaction, $"SELECT count(*) FROM {S}.sealed_rows($1::text::pg_snapshot, pg_current_snapshot())", previousSnapshot, cancellationToken).ConfigureAwait(false);
        if (anchor is not null)
        {
            CheckAnchor(anchor, seals, findings);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        var report = new IntegrityReport(seals.Count, seals.Count > 0 ? seals[^1].Seal : null, verified, purged, unsealed, anchor is not null, findings, started.Elapsed);
        activity?.SetTag("threadline.verify.findings", findings.Count);
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

    private async Task<List<SealRecord>> LoadSealsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"""
            SELECT s.id, s.previous_id, s.sealed_at, s.sealed_by, s.transactions, s.changes, s.purges, encode(s.hash, 'hex'),
                   s.snapshot::text, p.snapshot::text, s.previous_id IS NULL OR p.id IS NOT NULL,
                   s.digest = d.digest AND (s.transactions, s.changes, s.purges) = (b.t, b.c, b.p)
                   AND s.hash = {S}.seal_hash(p.hash, d.digest, s.id, s.previous_id, s.sealed_at, s.snapshot, s.transactions, s.changes, s.purges)
              FROM {S}.seals s
              LEFT JOIN {S}.seals p ON p.id = s.previous_id
             CROSS JOIN LATERAL (SELECT {S}.seal_digest(s.id) AS digest) d
             CROSS JOIN LATERAL (SELECT coalesce(sum(k.row_count) FILTER (WHERE k.kind = 1), 0) AS t, coalesce(sum(k.row_count) FILTER (WHERE k.kind = 2), 0) AS c,
                                        coalesce(sum(k.row_count) FILTER (WHERE k.kind = 3), 0) AS p
                                   FROM {S}.seal_blocks k WHERE k.seal_id = s.id) b
             ORDER BY s.id
            """, connection, transaction);
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
        await using (var command = new NpgsqlCommand($"""
            WITH cur AS (
                SELECT r.kind, r.id >> 10 AS block_no, sha256(string_agg(int8send(r.id) || r.hash, ''::bytea ORDER BY r.id)) AS digest
                  FROM {S}.sealed_rows($2::text::pg_snapshot, $3::text::pg_snapshot) r GROUP BY 1, 2),
            stored AS (SELECT b.kind, b.block_no, b.row_count, b.digest, b.ids FROM {S}.seal_blocks b WHERE b.seal_id = $1),
            purged AS (SELECT p.kind, range_agg(p.ids) AS ids FROM {S}.purge_log p GROUP BY p.kind)
            SELECT coalesce(s.kind, c.kind), coalesce(s.block_no, c.block_no), c.kind IS NULL AND coalesce(s.ids <@ pu.ids, false), coalesce(s.row_count, 0)
              FROM cur c FULL JOIN stored s ON s.kind = c.kind AND s.block_no = c.block_no
              LEFT JOIN purged pu ON pu.kind = coalesce(s.kind, c.kind)
             WHERE c.digest IS DISTINCT FROM s.digest
            """, connection, transaction) { CommandTimeout = 0 })
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
        await using var command = new NpgsqlCommand($"""
            WITH wanted AS (SELECT * FROM unnest($4::smallint[], $5::bigint[]) AS w(kind, block_no)),
            stored AS (
                SELECT b.kind, g.id, substr(b.hashes, ((row_number() OVER (PARTITION BY b.kind, b.block_no ORDER BY g.id) - 1) * 8 + 1)::int, 8) AS short
                  FROM {S}.seal_blocks b JOIN wanted w ON w.kind = b.kind AND w.block_no = b.block_no
                 CROSS JOIN LATERAL unnest(b.ids) AS r(span)
                 CROSS JOIN LATERAL generate_series(lower(r.span), upper(r.span) - 1) AS g(id)
                 WHERE b.seal_id = $1),
            cur AS (
                SELECT r.kind, r.id, substr(r.hash, 1, 8) AS short
                  FROM {S}.sealed_rows($2::text::pg_snapshot, $3::text::pg_snapshot) r
                  JOIN wanted w ON w.kind = r.kind AND w.block_no = r.id >> 10
                 WHERE r.id >= $6 AND r.id < $7),
            purged AS (SELECT p.kind, range_agg(p.ids) AS ids FROM {S}.purge_log p GROUP BY p.kind)
            SELECT coalesce(s.kind, c.kind), coalesce(s.id, c.id) >> 10,  coalesce(s.id, c.id),
                   CASE WHEN c.id IS NULL THEN CASE WHEN coalesce(pu.ids @> s.id, false) THEN 'purged' ELSE 'deleted' END
                        WHEN s.id IS NULL THEN 'inserted' ELSE 'changed' END
              FROM stored s FULL JOIN cur c ON c.kind = s.kind AND c.id = s.id
              LEFT JOIN purged pu ON pu.kind = s.kind
             WHERE s.short IS DISTINCT FROM c.short
             ORDER BY 1, 3
            """, connection, transaction) { CommandTimeout = 0 };
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
        await using var command = new NpgsqlCommand($"""
            (SELECT 'orphan', c.id FROM {S}.changes c WHERE NOT EXISTS (SELECT FROM {S}.transactions t WHERE t.id = c.transaction_id) ORDER BY c.id LIMIT {MaxListed})
            UNION ALL
            (SELECT 'future', t.id FROM {S}.transactions t WHERE t.txid >= pg_snapshot_xmax(pg_current_snapshot()) ORDER BY t.id LIMIT {MaxListed})
            UNION ALL
            -- The seals hash the actor on the transaction row; its copy on each change (what by-actor lookups search) is
            -- checked against it here, so an edited copy cannot hide a change from, or add one to, an actor's timeline.
            -- Changes written before schema version 12 have no copy (settings.uncopied_actor_max_id).
            (SELECT 'actor', c.id FROM {S}.changes c JOIN {S}.transactions t ON t.id = c.transaction_id
              WHERE (c.actor_type, c.actor_id) IS DISTINCT FROM (t.actor_type, t.actor_id)
                AND NOT (c.actor_type IS NULL AND c.actor_id IS NULL AND c.id <= coalesce((SELECT s.uncopied_actor_max_id FROM {S}.settings s), 0))
              ORDER BY c.id LIMIT {MaxListed})
            """, connection, transaction) { CommandTimeout = 0 };
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var id = reader.GetInt64(1);
            findings.Add(reader.GetString(0) switch
            {
                "orphan" => new(IntegrityProblem.Orphaned, AuditRowKind.Change, id, null, $"change {id} has no transaction row (capture always writes one, and retention removes changes first)"),
                "actor" => new(IntegrityProblem.ActorMismatch, AuditRowKind.Change, id, null, $"change {id} names another actor than its transaction (the change row was edited)"),
                _ => new(IntegrityProblem.FutureTransaction, AuditRowKind.Transaction, id, null, $"transaction {id} carries a transaction id this server has not issued yet"),
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
