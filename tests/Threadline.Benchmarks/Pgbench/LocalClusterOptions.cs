namespace Threadline.Benchmarks.Pgbench;

/// <summary>What a <see cref="LocalCluster"/> runs besides PostgreSQL with the fixed settings.</summary>
/// <param name="PgBouncer">Start a PgBouncer in front (the pgbench paths need it; the investigation mode does not).</param>
/// <param name="ExtraServerSettings">postgresql.conf lines appended after the fixed ones.</param>
public sealed record LocalClusterOptions(bool PgBouncer, IReadOnlyList<string> ExtraServerSettings)
{
    public static LocalClusterOptions Pgbench { get; } = new(true, []);
}
