using Npgsql;

namespace Threadline.Benchmarks.Pgbench;

/// <summary>
/// One capture design under test. Each gets its own database copied from the template, then <see cref="SetupAsync"/>
/// installs the design on <c>public.items</c> over a direct superuser connection. Add a redesign candidate by adding one.
/// </summary>
/// <param name="Audit">Where the design stores its audit rows (null: nowhere), for the bytes-per-change figures.</param>
public sealed record PgbenchVariant(string Name, string Description, Func<NpgsqlConnection, CancellationToken, Task> SetupAsync, AuditStore? Audit)
{
    public const string BaselineName = "baseline";

    /// <summary>Variant names contain dashes; database names here stay plain identifiers.</summary>
    public string Database(string prefix) => prefix + Name.Replace('-', '_');
}
