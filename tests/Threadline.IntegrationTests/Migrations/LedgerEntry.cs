namespace Threadline.IntegrationTests.Migrations;

/// <summary>A row of the ledger model, whose migrations install the audit schema themselves.</summary>
public sealed class LedgerEntry
{
    public long Id { get; set; }

    public string Memo { get; set; } = "";
}
