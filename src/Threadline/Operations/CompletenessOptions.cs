namespace Threadline.Operations;

/// <summary>Which captured tables the completeness check reads, and how many example rows it reports.</summary>
public sealed record CompletenessOptions
{
    /// <summary>The most example rows a check reports per table.</summary>
    public const int MaxSampleSize = 1000;

    /// <summary>Captured tables to check (schema.table); empty checks every captured table.</summary>
    public IReadOnlyList<string> Tables { get; init; } = [];

    /// <summary>Example unaudited rows per table (0 to <see cref="MaxSampleSize"/>). Counts are always exact.</summary>
    public int SampleSize { get; init; } = 10;
}
