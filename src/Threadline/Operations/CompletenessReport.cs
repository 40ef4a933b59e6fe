namespace Threadline.Operations;

/// <summary>The completeness check of some captured tables, with what such a check cannot know.</summary>
/// <param name="Tables">One result per checked table.</param>
/// <param name="CannotBeKnown">What no such check can see (<see cref="Limits"/>), to show beside the result.</param>
public sealed record CompletenessReport(IReadOnlyList<TableCompleteness> Tables, IReadOnlyList<string> CannotBeKnown)
{
    /// <summary>No checked table has an unaudited live row.</summary>
    public bool Complete => Tables.All(t => t.Complete);

    /// <summary>Unaudited live rows over all checked tables.</summary>
    public long Unaudited => Tables.Sum(t => t.Unaudited);

    /// <summary>The limits of a check that reads live rows, true of every run (docs/reliability.md lists them too).</summary>
    public static IReadOnlyList<string> Limits { get; } =
    [
        "Only live rows are checked: a row inserted or updated while capture was bypassed and then deleted (or a delete made while bypassing) leaves no row to find.",
        "Only each row's last write is visible: a bypassed write followed by an audited write of the same row is hidden by the later one, and so is a bypassed write after an audited write of the same row in the same transaction.",
        "Rows last written before capture began (or before the oldest change retention kept) are counted apart: whether they were audited cannot be told from the table.",
        "A dump and restore, a logical-replication copy or an initial COPY rewrites every row with the loading transaction: such rows show as unaudited until capture is enabled again after the load.",
    ];
}
