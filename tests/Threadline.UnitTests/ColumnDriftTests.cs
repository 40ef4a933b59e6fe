using Threadline.Capture;

namespace Threadline.UnitTests;

/// <summary>Column drift against the registry's snapshot; the catalog side is covered by RedactionDriftTests.</summary>
public sealed class ColumnDriftTests
{
    private const string Snapshot = """{"mask": ["card"], "exclude": ["ssn"], "columns": {"1": "id", "2": "card", "3": "ssn", "4": "note"}}""";
    private static readonly TableCaptureOptions Options = new("t") { Mask = ["card"], Exclude = ["ssn"] };

    [Fact]
    public void Unchanged_columns_are_no_drift()
    {
        Assert.Empty(ColumnDrift.Find(["id"], Options, Snapshot, Columns((1, "id"), (2, "card"), (3, "ssn"), (4, "note"))));
    }

    [Fact]
    public void A_dropped_redacted_column_is_named_with_what_a_re_added_column_would_get()
    {
        var drift = ColumnDrift.Find(["id"], Options, Snapshot, Columns((1, "id"), (2, "card"), (4, "note")));

        Assert.Equal(["excluded column ssn no longer exists; a column added under that name is excluded; remove it from Exclude and re-apply capture."], drift);
    }

    [Fact]
    public void An_ordinary_column_renamed_to_a_redacted_name_is_reported_as_redacted()
    {
        var drift = ColumnDrift.Find(["id"], Options, Snapshot, Columns((1, "id"), (3, "ssn"), (4, "card")));

        // The dropped card is not reported on its own: a column bears its name, and that is the finding.
        Assert.Equal(["column note was renamed to card, a masked name, and is masked; re-apply capture to confirm."], drift);
    }

    [Fact]
    public void Options_without_a_snapshot_ask_for_a_re_apply()
    {
        var drift = Assert.Single(ColumnDrift.Find(["id"], Options, """{"mask": ["card"]}""", Columns((1, "id"))));

        Assert.Contains("re-apply capture", drift, StringComparison.Ordinal);
    }

    private static Dictionary<int, string> Columns(params (int Attnum, string Name)[] columns) => columns.ToDictionary(c => c.Attnum, c => c.Name);
}
