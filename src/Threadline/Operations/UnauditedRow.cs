namespace Threadline.Operations;

/// <summary>A live row whose last write has no audit record: its key (JSON, as audit rows store it) and the writing transaction.</summary>
/// <param name="RowKey">The row's key, e.g. <c>{"id": 42}</c>.</param>
/// <param name="WritingTxid">The 64-bit id (xid8) of the transaction that last inserted or updated the row, read from its xmin.</param>
public sealed record UnauditedRow(string RowKey, ulong WritingTxid);
