namespace Threadline.Npgsql;

/// <summary>
/// A semantic action just recorded, with the audit summary of its transaction read in the same statement, so the caller
/// needs no second query for the audit transaction id and the audit span needs none for its tags.
/// </summary>
/// <param name="ActionId">The id of the new row in <c>threadline.actions</c>.</param>
/// <param name="Transaction">
/// The transaction's audit summary as of the action; <see langword="null"/> when the transaction has captured no change yet.
/// </param>
public sealed record RecordedAction(long ActionId, AuditTransactionSummary? Transaction)
{
    /// <summary>The audit transaction id of the action's transaction, or <see langword="null"/> when it has captured no change yet.</summary>
    public long? TransactionId => Transaction?.TransactionId;
}
