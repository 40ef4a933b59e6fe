namespace Threadline;

/// <summary>Which of Threadline's refusals of a write a database error is (<see cref="ThreadlineErrors.FindRefusal"/>).</summary>
public enum ThreadlineRefusalKind
{
    /// <summary>
    /// <see cref="ThreadlineSqlStates.ActorRequired"/> (42501, raised by Threadline): a table that needs an actor was written
    /// in a transaction without an audit context. The application did not pass one.
    /// </summary>
    ActorRequired,

    /// <summary>
    /// <see cref="ThreadlineSqlStates.AnonymousActorRefused"/> (TL003): a table that needs an actor was written by the
    /// anonymous actor, an unauthenticated request.
    /// </summary>
    AnonymousActorRefused,

    /// <summary>
    /// <see cref="ThreadlineSqlStates.ContextNotFromThisTransaction"/> (TL001): the audit context on the connection was not
    /// set by this transaction (leaked by a pooled session, or set by hand without the stamp).
    /// </summary>
    ContextNotFromThisTransaction,

    /// <summary>
    /// <see cref="ThreadlineSqlStates.ContextChangedInTransaction"/> (TL002): a second actor, request or job in one
    /// transaction.
    /// </summary>
    ContextChangedInTransaction,

    /// <summary>
    /// <see cref="ThreadlineSqlStates.InvalidContextValue"/> (22023, raised by Threadline): a malformed audit context or
    /// action name reached the database.
    /// </summary>
    InvalidContext,
}
