using System.Reflection;
using Npgsql;
using Threadline.Schema;

namespace Threadline.Benchmarks.Pgbench;

/// <summary>
/// Today's capture, frozen as SQL (<c>threadline-v005.sql</c>, written by <c>--pgbench --freeze-capture</c>), so that a
/// redesign can be measured against it in the same run even after the library itself has moved on.
/// </summary>
public static class FrozenCapture
{
    public const string ResourceName = "threadline-v005.sql";

    public static async Task ApplyAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        // The dump grants to and assigns ownership to these cluster-wide roles; they must exist before it runs.
        var options = ThreadlineSchemaOptions.Default;
        foreach (var role in new[] { options.OwnerRole, options.ReaderRole, options.RetentionRole, options.WriterRole })
        {
            await Sql.ExecuteAsync(connection, $"""
                DO $roles$ BEGIN
                    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN CREATE ROLE {role} NOLOGIN; END IF;
                END $roles$;
                """, cancellationToken);
        }

        await Sql.ExecuteAsync(connection, await ReadScriptAsync(cancellationToken), cancellationToken);
    }

    private static async Task<string> ReadScriptAsync(CancellationToken cancellationToken)
    {
        await using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"Embedded resource {ResourceName} is missing.");
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync(cancellationToken);
    }
}
