namespace Threadline.Operations;

/// <summary>
/// One captured table: each live row classified by the transaction that last inserted or updated it (its xmin).
/// <see cref="RowsChecked"/> is the sum of the five counts.
/// </summary>
/// <param name="Table">schema.table.</param>
/// <param name="Exists">False when the table is registered for capture but no longer exists; every count is then 0.</param>
/// <param name="CaptureStartTxid">The transaction from which capture is known to be on (xid8).</param>
/// <param name="CaptureStartedAt">When capture of the table began (or the lower bound, see <paramref name="CaptureStartExact"/>).</param>
/// <param name="CaptureStartExact">False for tables captured before the schema recorded it: the start is a lower bound.</param>
/// <param name="Audited">Last write has an audit record for this row in its own transaction.</param>
/// <param name="Unaudited">Last write happened after capture began and has no audit record for this row: a bypass.</param>
/// <param name="UnchangedSinceAudited">
/// Last write has no audit record, but the row (after exclusions and masks) equals its last audited image: an update
/// that changed nothing the capture records (not recorded by design unless RecordNoOpUpdates), or a bypass that wrote the same values.
/// </param>
/// <param name="BeforeCapture">Last write is older than the capture start, or its xid is too old to read: cannot tell.</param>
/// <param name="HistoryPurged">Last write is older than the oldest change retention left for this table: its record may have been purged.</param>
/// <param name="UnauditedSamples">Example unaudited rows, up to the sample size asked for.</param>
/// <param name="Notes">What limited this table's check, in words (for example a table that no longer exists).</param>
/// <param name="Duration">How long this table's scan took.</param>
public sealed record TableCompleteness(
    string Table,
    bool Exists,
    ulong CaptureStartTxid,
    DateTimeOffset CaptureStartedAt,
    bool CaptureStartExact,
    long Audited,
    long Unaudited,
    long UnchangedSinceAudited,
    long BeforeCapture,
    long HistoryPurged,
    IReadOnlyList<UnauditedRow> UnauditedSamples,
    IReadOnlyList<string> Notes,
    TimeSpan Duration)
{
    /// <summary>Live rows read: the sum of the five counts.</summary>
    public long RowsChecked => Audited + Unaudited + UnchangedSinceAudited + BeforeCapture + HistoryPurged;

    /// <summary>No live row was written after capture began without an audit record.</summary>
    public bool Complete => Unaudited == 0;
}
