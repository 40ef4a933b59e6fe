using Npgsql;
using Threadline.Benchmarks.Pgbench;
using Threadline.Schema;

namespace Threadline.Benchmarks.Investigation;

/// <summary>One side of the comparison: a database name, how its audit schema is installed, and what its capture stores.</summary>
/// <param name="StoresContext">Whether the capture of that schema keeps the raw context JSON in every transaction row.</param>
public sealed record InvestigationSchema(string Name, string Database, string Description, Func<NpgsqlConnection, CancellationToken, Task> InstallAsync, bool StoresContext)
{
    /// <summary>The frozen V005 schema (Pgbench/threadline-v005.sql); its capture triggers need the items table to exist.</summary>
    public static InvestigationSchema Before { get; } = new(
        "V005", "inv_before", "frozen schema version 5 (Pgbench/threadline-v005.sql)",
        async (connection, ct) =>
        {
            await Sql.ExecuteAsync(connection, ItemsTable.CreateTableSql, ct);
            await FrozenCapture.ApplyAsync(connection, ct);
            // The read side of this build selects transactions.refused_context (added in V008); empty here, as V005 never wrote it.
            await Sql.ExecuteAsync(connection, "ALTER TABLE threadline.transactions ADD COLUMN refused_context jsonb", ct);
        },
        StoresContext: true);

    public static InvestigationSchema After { get; } = new(
        "current", "inv_after", $"this build's SchemaInstaller (version {SchemaInstaller.LatestVersion})",
        async (connection, ct) => await new SchemaInstaller().InstallAsync(connection, ct),
        StoresContext: false);

    public static IReadOnlyList<InvestigationSchema> Both { get; } = [Before, After];
}
