namespace Threadline;

/// <summary>What a transient database failure means for the work that hit it.</summary>
public enum TransientFailureKind
{
    /// <summary>
    /// The database or the pooler could not be reached, or the connection was lost (restart, shutdown, network, timeout,
    /// pooler limits). Nothing was saved, unless the connection failed during COMMIT: then the outcome is unknown to the
    /// client too, and a committed change is audited as usual.
    /// </summary>
    Unavailable,

    /// <summary>
    /// The database rolled the transaction back to resolve a conflict or a limit (serialization failure, deadlock, lock
    /// or statement timeout). Nothing was saved; running it again is safe.
    /// </summary>
    RolledBack,
}
