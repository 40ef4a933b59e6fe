namespace Threadline.Capture;

/// <summary>How one table is captured.</summary>
public sealed record TableCaptureOptions
{
    public const string DefaultMaskPlaceholder = "[REDACTED]";
    public const int MaxMaskPlaceholderLength = 200;

    public TableCaptureOptions(string table, string schema = "public")
    {
        Table = table;
        Schema = schema;
    }

    public string Schema { get; init; }

    public string Table { get; init; }

    /// <summary>Key columns to record; by default the table's primary key. Required for tables without one.</summary>
    public IReadOnlyList<string>? KeyColumns { get; init; }

    /// <summary>Columns never stored in audit rows, not even as "changed".</summary>
    public IReadOnlyList<string> Exclude { get; init; } = [];

    /// <summary>Columns whose values are replaced by <see cref="MaskPlaceholder"/>; that they changed is still recorded.</summary>
    public IReadOnlyList<string> Mask { get; init; } = [];

    public string MaskPlaceholder { get; init; } = DefaultMaskPlaceholder;

    /// <summary>Reject writes whose transaction carries no actor, with an error naming the table.</summary>
    public bool RequireActor { get; init; }

    /// <summary>Record updates that change nothing (after exclusions). Off by default.</summary>
    public bool RecordNoOpUpdates { get; init; }
}
