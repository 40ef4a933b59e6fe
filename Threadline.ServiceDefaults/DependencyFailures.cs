using System.Data.Common;
using Microsoft.AspNetCore.Http;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// A request that failed because the database (or the pooler in front of it) was unreachable is answered 503 with
/// <c>Retry-After</c>, not 500: the caller learns the write was not confirmed and that retrying later is the remedy.
/// </summary>
public static class DependencyFailures
{
    public const int RetryAfterSeconds = 2;

    /// <summary>
    /// True when <paramref name="exception"/> or any inner exception is a transient database failure. Npgsql reports
    /// socket errors, timeouts and lost connections as a transient <see cref="DbException"/>; EF Core wraps it.
    /// </summary>
    public static bool IsDatabaseUnavailable(Exception exception) => TransientDatabaseFailure(exception) is not null;

    /// <summary>Fills the 503 problem details and the Retry-After header for a transient database failure.</summary>
    public static void Describe(ProblemDetailsContext context)
    {
        if (context.Exception is null || context.ProblemDetails.Status != StatusCodes.Status503ServiceUnavailable
            || TransientDatabaseFailure(context.Exception) is not { } failure)
        {
            return;
        }

        if (failure.SqlState is null || IsConnectionLoss(failure.SqlState))
        {
            context.ProblemDetails.Title = "Database unavailable";
            // Honest about the one ambiguous case: a connection lost during COMMIT leaves the outcome unknown to us too.
            context.ProblemDetails.Detail = "The request was not confirmed because the database connection failed. If it failed during commit "
                + "the change may have been saved, and then it is audited; check before retrying.";
        }
        else
        {
            context.ProblemDetails.Title = "Database busy";
            context.ProblemDetails.Detail = $"The database rolled the request back (SQLSTATE {failure.SqlState}); nothing was saved. Retry it.";
        }

        context.HttpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private static DbException? TransientDatabaseFailure(Exception exception)
    {
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            if (current is DbException db && (db.IsTransient || (db.SqlState is { } state && IsConnectionLoss(state))))
            {
                return db;
            }
        }

        return null;
    }

    // 08: connection exceptions (PgBouncer reports a lost server as 08P01). 57P01-57P03: the server is shutting down or
    // starting. A transient failure without a SQLSTATE is the client's own: socket, stream or timeout.
    private static bool IsConnectionLoss(string sqlState) =>
        sqlState.StartsWith("08", StringComparison.Ordinal) || sqlState is "57P01" or "57P02" or "57P03";
}
