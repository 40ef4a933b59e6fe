namespace Threadline.Benchmarks.Pgbench;

/// <summary>
/// One part of the fixed bytes workload on one variant. <see cref="Rows"/> is the rows the statements wrote (the
/// changes a design must record); <see cref="AuditRows"/> what the design actually stored, as a check.
/// </summary>
public sealed record AuditBytesResult(string Variant, string Part, long Rows, long? AuditRows, long? AuditBytes, long WalBytes)
{
    public double? AuditBytesPerChange => AuditBytes is { } bytes ? (double)bytes / Rows : null;

    public double WalBytesPerChange => (double)WalBytes / Rows;
}
