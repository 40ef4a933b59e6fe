namespace Threadline.Benchmarks.Pgbench;

/// <summary>How pgbench reaches the server.</summary>
public static class PgbenchPath
{
    public const string Direct = "direct";
    public const string PgBouncer = "pgbouncer";
}
