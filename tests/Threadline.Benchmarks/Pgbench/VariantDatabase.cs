namespace Threadline.Benchmarks.Pgbench;

/// <summary>A variant and the database it was installed in.</summary>
public sealed record VariantDatabase(PgbenchVariant Variant, string Database);
