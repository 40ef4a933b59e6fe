namespace Threadline.Hosting;

/// <summary>PgBouncer's <c>pool_mode</c>: how long a client holds a server connection.</summary>
public enum PgBouncerPoolMode
{
    /// <summary>For the length of one transaction: the mode Threadline's transaction-local context is built for.</summary>
    Transaction,

    /// <summary>For the whole client session.</summary>
    Session,

    /// <summary>For one statement; multi-statement transactions are refused, so audited transactions cannot run.</summary>
    Statement,
}
