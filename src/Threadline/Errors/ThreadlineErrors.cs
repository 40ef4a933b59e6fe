using System.Data.Common;
using Npgsql;

namespace Threadline;

/// <summary>
/// Which database failures are transient: the rule Threadline's reference services use to answer 503 with
/// <c>Retry-After</c> instead of 500, and to retry a job, so an adopting application can use the same one. Each class is
/// pinned by a test that produces it against real PostgreSQL and PgBouncer (TransientFailureTests).
/// </summary>
public static class ThreadlineErrors
{
    /// <summary>True when <paramref name="exception"/>, or an exception it wraps, is a transient database failure.</summary>
    /// <param name="exception">What the application caught; EF Core and MassTransit wrap the driver's exception.</param>
    /// <returns>Whether retrying later can succeed.</returns>
    public static bool IsTransient(Exception exception) => FindTransient(exception) is not null;

    /// <summary>The transient database failure <paramref name="exception"/> is, or wraps; null when it is none.</summary>
    /// <param name="exception">What the application caught.</param>
    /// <returns>The failure and what it means for the work, or <see langword="null"/>.</returns>
    public static TransientDatabaseFailure? FindTransient(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        foreach (var db in DatabaseExceptions(exception))
        {
            if (Classify(db) is { } kind)
            {
                return new TransientDatabaseFailure(kind, db.SqlState, db);
            }
        }

        return null;
    }

    /// <summary>The SQLSTATE of the first database exception <paramref name="exception"/> is or wraps, if any: for logs.</summary>
    /// <param name="exception">What the application caught.</param>
    /// <returns>The SQLSTATE, or <see langword="null"/> when no database exception carries one.</returns>
    public static string? SqlStateOf(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return DatabaseExceptions(exception).Select(db => db.SqlState).FirstOrDefault(state => state is not null);
    }

    /// <summary>
    /// The refusal of Threadline's that <paramref name="exception"/> is, or wraps; null when it is none. A 42501 or 22023
    /// counts only when Threadline raised it (its message starts with <c>threadline:</c>): PostgreSQL raises the same codes
    /// for a missing privilege or a row-level security policy, which are the deployment's, not Threadline's.
    /// </summary>
    /// <param name="exception">What the application caught; EF Core wraps the driver's exception.</param>
    /// <returns>The refusal, or <see langword="null"/>.</returns>
    public static ThreadlineRefusal? FindRefusal(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        foreach (var db in DatabaseExceptions(exception))
        {
            if (db.SqlState is { } state && ClassifyRefusal(state, db) is { } kind)
            {
                return new ThreadlineRefusal(kind, state, db);
            }
        }

        return null;
    }

    private static ThreadlineRefusalKind? ClassifyRefusal(string state, DbException exception) => state switch
    {
        ThreadlineSqlStates.AnonymousActorRefused => ThreadlineRefusalKind.AnonymousActorRefused,
        ThreadlineSqlStates.ContextNotFromThisTransaction => ThreadlineRefusalKind.ContextNotFromThisTransaction,
        ThreadlineSqlStates.ContextChangedInTransaction => ThreadlineRefusalKind.ContextChangedInTransaction,
        // 42501 is also the installer's "not a member of the owner role": a refusal of a write says "needs an actor".
        ThreadlineSqlStates.ActorRequired when RaisedByThreadline(exception) && ((PostgresException)exception).MessageText.Contains(" needs an actor", StringComparison.Ordinal)
            => ThreadlineRefusalKind.ActorRequired,
        ThreadlineSqlStates.InvalidContextValue when RaisedByThreadline(exception) => ThreadlineRefusalKind.InvalidContext,
        _ => null,
    };

    // Every message the schema raises starts with "threadline: "; PostgreSQL's own (permission denied, row-level
    // security) never do.
    private static bool RaisedByThreadline(DbException exception) =>
        exception is PostgresException postgres && postgres.MessageText.StartsWith("threadline: ", StringComparison.Ordinal);

    private static TransientFailureKind? Classify(DbException exception) => exception.SqlState switch
    {
        // A SQLSTATE decides, whoever sent it (the server, or PgBouncer speaking for it). Npgsql's own IsTransient is not
        // used for these: it counts 55000 (object_not_in_prerequisite_state) as transient, which Threadline raises for a
        // request that can never succeed.
        { } state => ClassifySqlState(state),
        // No SQLSTATE: a failure of the client's own. Npgsql marks socket, stream and timeout failures (connect timeout,
        // command timeout, an exhausted pool) transient; a protocol error or a misuse is not.
        null => exception.IsTransient ? TransientFailureKind.Unavailable : null,
    };

    private static TransientFailureKind? ClassifySqlState(string state) => state switch
    {
        // Class 08, connection exception: the server or PgBouncer dropped or refused the connection. PgBouncer reports
        // its own failures as 08P01 ("server conn crashed?", "no more connections allowed", "query_wait_timeout", login
        // failures towards the server).
        _ when state.StartsWith("08", StringComparison.Ordinal) => TransientFailureKind.Unavailable,
        // Class 53, insufficient resources: too many connections, out of memory or disk. Not the request's fault.
        _ when state.StartsWith("53", StringComparison.Ordinal) => TransientFailureKind.Unavailable,
        // admin_shutdown (a restart or pg_terminate_backend), crash_shutdown, cannot_connect_now (starting up or shutting
        // down), idle_session_timeout.
        "57P01" or "57P02" or "57P03" or "57P05" => TransientFailureKind.Unavailable,
        // read_only_sql_transaction: after a failover the old primary answers as a standby until clients find the new one.
        "25006" => TransientFailureKind.Unavailable,
        // serialization_failure, deadlock_detected, lock_not_available (lock_timeout), query_canceled (statement_timeout or
        // a cancel): the transaction was rolled back.
        "40001" or "40P01" or "55P03" or "57014" => TransientFailureKind.RolledBack,
        _ => null,
    };

    private static IEnumerable<DbException> DatabaseExceptions(Exception exception)
    {
        var pending = new Stack<Exception>();
        pending.Push(exception);
        var seen = 0;
        // Bounded: an exception graph is small, and a pathological one must not hang an error path.
        while (pending.Count > 0 && seen++ < 64)
        {
            var current = pending.Pop();
            if (current is DbException db)
            {
                yield return db;
            }

            if (current is AggregateException aggregate)
            {
                for (var i = aggregate.InnerExceptions.Count - 1; i >= 0; i--)
                {
                    pending.Push(aggregate.InnerExceptions[i]);
                }
            }
            else if (current.InnerException is { } inner)
            {
                pending.Push(inner);
            }
        }
    }
}
