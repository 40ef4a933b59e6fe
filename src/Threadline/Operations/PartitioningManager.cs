using Npgsql;
using Threadline.Schema;

namespace Threadline.Operations;

/// <summary>How much capture time one partition of the changes table spans.</summary>
public enum PartitionInterval
{
    /// <summary>One partition per day: finer retention, more partitions.</summary>
    Day,
    /// <summary>One partition per calendar month (the default).</summary>
    Month,
}

/// <summary>
/// Time partitioning of the changes table, chosen at install (before any change is captured): retention then drops
/// whole partitions instead of deleting rows. Partitions are created ahead (and again by every purge); a default
/// partition catches anything outside them, so a missed run never loses a change.
/// </summary>
/// <param name="options">The schema and role names of the installation; <see cref="ThreadlineSchemaOptions.Default"/> when omitted.</param>
public sealed class PartitioningManager(ThreadlineSchemaOptions? options = null)
{
    private readonly ThreadlineSchemaOptions _options = options ?? ThreadlineSchemaOptions.Default;

    private AuditSchemaNames Names => AuditSchemaNames.For(_options);

    private string Changes => Names.Changes;

    /// <summary>Whether changes is partitioned in this install (catalog only: any role may ask).</summary>
    public static async Task<bool> IsPartitionedAsync(NpgsqlConnection connection, ThreadlineSchemaOptions? options = null, CancellationToken cancellationToken = default)
    {
        await using var command = new NpgsqlCommand("SELECT coalesce((SELECT relkind = 'p' FROM pg_catalog.pg_class WHERE oid = to_regclass($1)), false)", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = AuditSchemaNames.For(options).Changes });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>Converts the (empty) changes table to range partitions by capture time, in one transaction.</summary>
    public async Task EnableAsync(NpgsqlConnection connection, PartitionInterval interval = PartitionInterval.Month, int ahead = 3, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (await IsPartitionedAsync(connection, _options, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var lockAndCount = new NpgsqlCommand($"LOCK TABLE {Changes} IN ACCESS EXCLUSIVE MODE; SELECT count(*) FROM {Changes}", connection, transaction))
        {
            var rows = (long)(await lockAndCount.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            if (rows > 0)
            {
                throw new InvalidOperationException(
                    $"Partitioning is chosen at install, before any change is captured; this install already has {rows} changes. Nothing was changed.");
            }
        }

        var indexes = new List<string>();
        await using (var read = new NpgsqlCommand("SELECT pg_get_indexdef(indexrelid) FROM pg_catalog.pg_index WHERE indrelid = to_regclass($1) AND NOT indisprimary", connection, transaction))
        {
            read.Parameters.Add(new NpgsqlParameter { Value = Changes });
            await using var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                // A unique index of a partitioned table must hold the partition key: in partition mode one head per
                // transaction is enforced per capture time (docs/capture.md, "Partitioning").
                var definition = reader.GetString(0);
                indexes.Add((definition.StartsWith("CREATE UNIQUE INDEX ", StringComparison.Ordinal)
                    ? definition.Replace("(txid, started_at)", "(txid, started_at, captured_at)", StringComparison.Ordinal)
                    : definition) + ";");
            }
        }

        await using (var convert = new NpgsqlCommand(Names.Statement("partition_changes").Replace("{{indexes}}", string.Join("\n", indexes), StringComparison.Ordinal), connection, transaction))
        {
            await convert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using (var settings = new NpgsqlBatch(connection, transaction))
        {
            settings.BatchCommands.Add(new NpgsqlBatchCommand($"UPDATE {Names.Settings} SET partition_interval = $1, changed_at = now()")
            {
                Parameters = { new NpgsqlParameter { Value = interval == PartitionInterval.Day ? "day" : "month" } },
            });
            settings.BatchCommands.Add(new NpgsqlBatchCommand($"SELECT {Names.EnsureChangePartitions}($1)") { Parameters = { new NpgsqlParameter { Value = ahead } } });
            await settings.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Creates missing partitions from now to <paramref name="ahead"/> periods ahead; returns how many.</summary>
    public async Task<int> EnsurePartitionsAsync(NpgsqlConnection connection, int ahead = 3, CancellationToken cancellationToken = default)
    {
        await using var command = new NpgsqlCommand($"SELECT {Names.EnsureChangePartitions}($1)", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = ahead });
        return (int)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }
}
