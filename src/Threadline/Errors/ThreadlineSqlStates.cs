namespace Threadline;

/// <summary>
/// The SQLSTATEs Threadline's schema raises, so that application code can match them by name
/// (<c>PostgresException.SqlState</c>). docs/troubleshooting.md says what each means and how to fix it.
/// </summary>
public static class ThreadlineSqlStates
{
    /// <summary>
    /// <c>42501</c>: a write to a table that needs an actor (or <c>record_action</c>) ran in a transaction without an audit
    /// context. The application did not pass one: a missing interceptor, middleware or consume filter.
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

    /// <summary><c>22023</c>: a malformed audit context field or action name (invalid_parameter_value).</summary>
    public const string InvalidContextValue = "22023";

    /// <summary><c>22P02</c>: the audit context is not valid JSON (PostgreSQL's own invalid_text_representation).</summary>
    public const string MalformedContextJson = "22P02";

    /// <summary><c>25000</c>: <c>seal()</c> ran outside a REPEATABLE READ transaction.</summary>
    public const string SealNeedsRepeatableRead = "25000";

    /// <summary><c>55000</c>: a partition operation on an install whose changes are not partitioned.</summary>
    public const string ChangesNotPartitioned = "55000";

    /// <summary><c>42P01</c>: capture was enabled for a table that does not exist.</summary>
    public const string CapturedTableMissing = "42P01";

    /// <summary><c>42703</c>: capture options name a column the table does not have.</summary>
    public const string CaptureOptionColumnMissing = "42703";
}
