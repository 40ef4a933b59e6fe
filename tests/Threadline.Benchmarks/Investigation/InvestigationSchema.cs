using Npgsql;
using Threadline.Schema;

namespace Threadline.Benchmarks.Investigation;

/// <summary>One side of the comparison: a database name, how its audit schema is installed, and what its capture stores.</summary>
/// <param name="CopiesActor">
/// Whether each change carries its transaction's actor (schema version 12). Without, the history is what an install
/// upgraded to version 12 keeps from before: no copies, and settings naming the newest uncopied change, so by-actor
/// lookups read it through the transactions, as every version before 12 did. The same reader and schema either way.
/// </param>
public sealed record InvestigationSchema(string Name, string Database, string Description, Func<NpgsqlConnection, CancellationToken, Task> InstallAsync, bool CopiesActor)
{
    public static InvestigationSchema Before { get; } = new(
        "no actor copies", "inv_before",
        $"this build's SchemaInstaller (version {SchemaInstaller.LatestVersion}) with the whole history written before version 12: no actor on the change rows",
        async (connection, ct) => await new SchemaInstaller().InstallAsync(connection, ct),
        CopiesActor: false);

    public static InvestigationSchema After { get; } = new(
        "current", "inv_after", $"this build's SchemaInstaller (version {SchemaInstaller.LatestVersion}), every change with its actor",
        async (connection, ct) => await new SchemaInstaller().InstallAsync(connection, ct),
        CopiesActor: true);

    public static IReadOnlyList<InvestigationSchema> Both { get; } = [Before, After];
}
