namespace Threadline.Capture;

/// <summary>How one table is captured.</summary>
public sealed record TableCaptureOptions
{
    /// <summary>What a masked column's value is replaced with unless <see cref="MaskPlaceholder"/> says otherwise.</summary>
    public const string DefaultMaskPlaceholder = "[REDACTED]";
    /// <summary>The longest accepted <see cref="MaskPlaceholder"/>, in characters.</summary>
    public const int MaxMaskPlaceholderLength = 200;

    /// <summary>Options for capturing <paramref name="schema"/>.<paramref name="table"/> with the defaults: all columns, the primary key.</summary>
    /// <param name="table">The table's name, as in the catalog (case-sensitive).</param>
    /// <param name="schema">The table's schema.</param>
    public TableCaptureOptions(string table, string schema = "public")
    {
        Table = table;
        Schema = schema;
    }

    /// <summary>The table's schema, as in the catalog (case-sensitive).</summary>
    public string Schema { get; init; }

    /// <summary>The table's name, as in the catalog (case-sensitive).</summary>
    public string Table { get; init; }

    /// <summary>Key columns to record; by default the table's primary key. Required for tables without one.</summary>
    public IReadOnlyList<string>? KeyColumns { get; init; }

    /// <summary>Columns never stored in audit rows, not even as "changed".</summary>
    public IReadOnlyList<string> Exclude { get; init; } = [];

    /// <summary>Columns whose values are replaced by <see cref="MaskPlaceholder"/>; that they changed is still recorded.</summary>
    public IReadOnlyList<string> Mask { get; init; } = [];

    /// <summary>
    /// The text stored instead of a masked column's value: 1 to <see cref="MaxMaskPlaceholderLength"/> characters without
    /// control characters (checked when capture is enabled).
    /// </summary>
    public string MaskPlaceholder { get; init; } = DefaultMaskPlaceholder;

    /// <summary>
    /// Reject writes whose transaction carries no actor (SQLSTATE 42501) or the anonymous actor (TL003), with an error
    /// naming the table. The anonymous actor is refused unless <see cref="AllowAnonymous"/> is set.
    /// </summary>
    public bool RequireActor { get; init; }

    /// <summary>
    /// With <see cref="RequireActor"/>: accept writes by the anonymous actor (an unauthenticated request), for a table
    /// that anonymous users may write to on purpose (a sign-up form, a public contact form). Off by default, so an
    /// endpoint that forgot its authorization cannot write <c>anonymous</c> rows into a strict table.
    /// </summary>
    public bool AllowAnonymous { get; init; }

    /// <summary>Record updates that change nothing (after exclusions). Off by default.</summary>
    public bool RecordNoOpUpdates { get; init; }
}
