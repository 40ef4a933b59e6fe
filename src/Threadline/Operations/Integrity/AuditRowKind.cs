namespace Threadline.Operations.Integrity;

/// <summary>The kinds of audit row a seal covers; the numbers are the ones stored in seal_blocks and purge_log.</summary>
public enum AuditRowKind
{
    /// <summary>A row of <c>transactions</c>: one audited transaction with its context.</summary>
    Transaction = 1,
    /// <summary>A row of <c>changes</c>: one captured row change.</summary>
    Change = 2,
    /// <summary>A row of <c>purge_log</c>: a record of sealed rows removed by retention.</summary>
    PurgeEntry = 3,
}
