namespace Threadline;

/// <summary>
/// The SQLSTATEs Threadline's schema raises, so that application code can match them by name
/// (<c>PostgresException.SqlState</c>). docs/troubleshooting.md says what each means and how to fix it.
/// </summary>
public static class ThreadlineSqlStates
{
    /// <summary>
    /// <c>42501</c> (insufficient_privilege), raised by Threadline with a message starting <c>threadline:</c>: a write to a
    /// table captured with <c>RequireActor</c> (or any captured table while require-actor-everywhere is on), or a
    /// <c>record_action</c> call, ran in a transaction without an audit context. The application did not pass one: a
    /// missing interceptor, middleware or consume filter. PostgreSQL raises the same code for a missing privilege or a
    /// row-level security policy; <see cref="ThreadlineErrors.FindRefusal"/> tells them apart. The schema installer raises
    /// it too, before changing anything, when the installing role is not a member of the owner role and may not make itself
    /// one (docs/deployment.md, "Managed PostgreSQL").
    /// </summary>
    public const string ActorRequired = "42501";

    /// <summary>
    /// <c>TL001</c>: the audit context on the connection was not set by this transaction (a session-level
    /// <c>set_config</c> or SET, a context leaked by a pooled session, or a bare <c>set_config</c> without the stamp). It is
    /// never used for attribution.
    /// </summary>
    public const string ContextNotFromThisTransaction = "TL001";

    /// <summary><c>TL002</c>: the audit context changed within a transaction; one transaction has one actor.</summary>
    public const string ContextChangedInTransaction = "TL002";

    /// <summary>
    /// <c>TL003</c>: a write to a table captured with <c>RequireActor</c> ran in a transaction whose actor is the anonymous
    /// actor (an unauthenticated request), and the table's capture options do not set <c>AllowAnonymous</c>.
    /// </summary>
    public const string AnonymousActorRefused = "TL003";

    /// <summary>
    /// <c>22023</c> (invalid_parameter_value): the audit context is not JSON, has no <c>actor</c> object, names an unknown
    /// actor type or an actor without an id (raised by the capture and by <c>record_action</c>); an action name is not 1 to
    /// 200 characters; or <c>partition_changes</c> was asked for partitions more than 366 days ahead.
    /// </summary>
    public const string InvalidContextValue = "22023";

    /// <summary>
    /// <c>22P02</c> (invalid_text_representation), PostgreSQL's own: the audit context starts like the bridges' JSON
    /// (<c>{"actor":{</c>) but is not valid JSON. The same code comes from any bad text-to-type cast, so it is not
    /// Threadline's alone.
    /// </summary>
    public const string MalformedContextJson = "22P02";

    /// <summary>
    /// <c>25000</c> (invalid_transaction_state): <c>seal()</c> ran outside a REPEATABLE READ transaction (the library's
    /// sealer opens one; a hand-written call may not).
    /// </summary>
    public const string SealNeedsRepeatableRead = "25000";

    /// <summary>
    /// <c>55000</c> (object_not_in_prerequisite_state): <c>partition_changes</c> ran on an install whose changes table is
    /// not partitioned.
    /// </summary>
    public const string ChangesNotPartitioned = "55000";

    /// <summary>
    /// <c>42P01</c> (undefined_table), raised by the guard of a capture script (<c>CaptureSqlGenerator.EnableScript</c>, run
    /// by a migration tool): the table to capture does not exist. PostgreSQL raises it too for any unknown table.
    /// </summary>
    public const string CapturedTableMissing = "42P01";

    /// <summary>
    /// <c>42703</c> (undefined_column), raised by the guard of a capture script: its options name a column the table does
    /// not have. PostgreSQL raises it too for any unknown column.
    /// </summary>
    public const string CaptureOptionColumnMissing = "42703";
}
