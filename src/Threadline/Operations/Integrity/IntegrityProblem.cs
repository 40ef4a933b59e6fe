namespace Threadline.Operations.Integrity;

/// <summary>The kinds of tampering or damage <see cref="IntegrityVerifier"/> reports.</summary>
public enum IntegrityProblem
{
    /// <summary>A sealed row whose content is no longer what was sealed.</summary>
    Changed,

    /// <summary>A sealed row that is gone, and no purge-log entry accounts for it.</summary>
    Deleted,

    /// <summary>A row that is not in the seal that covers its transaction (forged into sealed history).</summary>
    Inserted,

    /// <summary>A change whose transaction row does not exist (capture never writes one).</summary>
    Orphaned,

    /// <summary>A transaction row with a transaction id the server has not issued yet (forged).</summary>
    FutureTransaction,

    /// <summary>A block's digest differs while every stored row-hash prefix matches (a prefix collision).</summary>
    UnlocalisedBlock,

    /// <summary>A seal whose stored hash, digest or link to its predecessor does not recompute.</summary>
    BrokenSeal,

    /// <summary>The exported anchor names a seal that is missing or has another hash: the chain was rewritten.</summary>
    AnchorMismatch,

    /// <summary>
    /// A change whose copy of the actor (schema version 12, what by-actor lookups search) differs from its transaction's
    /// actor (what the seals hash): the change row was edited.
    /// </summary>
    ActorMismatch,
}
