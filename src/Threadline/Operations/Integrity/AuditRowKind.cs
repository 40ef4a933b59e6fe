namespace Threadline.Operations.Integrity;

/// <summary>The kinds of audit row a seal covers; the numbers are the ones stored in seal_blocks and purge_log.</summary>
public enum AuditRowKind
{
    Transaction = 1,
    Change = 2,
    PurgeEntry = 3,
}
