using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Threadline.AspNetCore;

/// <summary>
/// Answers a request whose write Threadline refused (<see cref="ThreadlineErrors.FindRefusal"/>) with problem details:
/// 401 for the anonymous actor on a table that needs an actor, 500 for the refusals that only the server can fix (no
/// context, a leaked or hand-set context, two actors in one transaction, a malformed context). The detail is fixed text
/// per refusal: it never carries the database's message, SQL, table names or values. docs/troubleshooting.md has the
/// table and the reasons. A <c>42501</c> that PostgreSQL raised (a missing privilege, a row-level security policy) is
/// not Threadline's and is left to the next handler. Registered by
/// <see cref="ThreadlineErrorResponseExtensions.AddThreadlineErrorResponses"/>, before the transient-failure handler.
/// </summary>
public sealed partial class ThreadlineRefusalHandler(
    IProblemDetailsService problemDetails,
    ILogger<ThreadlineRefusalHandler> logger) : IExceptionHandler
{
    /// <summary>The problem type of a write by the anonymous actor to a table that needs an actor (401).</summary>
    public const string AnonymousActorRefusedType = "urn:threadline:problem:anonymous-actor-refused";

    /// <summary>The problem type of a write without an actor to a table that needs one (500).</summary>
    public const string ActorRequiredType = "urn:threadline:problem:actor-required";

    /// <summary>The problem type of a write under an audit context this transaction did not set (500).</summary>
    public const string ContextNotFromThisTransactionType = "urn:threadline:problem:context-not-from-this-transaction";

    /// <summary>The problem type of a write under a second actor in one transaction (500).</summary>
    public const string ContextChangedInTransactionType = "urn:threadline:problem:context-changed-in-transaction";

    /// <summary>The problem type of a write under a malformed audit context (500).</summary>
    public const string InvalidContextType = "urn:threadline:problem:invalid-context";

    /// <inheritdoc />
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        ArgumentNullException.ThrowIfNull(exception);
        if (ThreadlineErrors.FindRefusal(exception) is not { } refusal || httpContext.Response.HasStarted)
        {
            return false;
        }

        var problem = Describe(refusal);
        // The database's message names the table and actors: for the log, never for the response.
        LogRefusal(logger, refusal.Kind, refusal.SqlState, httpContext.Request.Method, httpContext.Request.Path, problem.Status!.Value, refusal.Exception.Message);
        if (refusal.Kind == ThreadlineRefusalKind.AnonymousActorRefused && !await ChallengeAsync(httpContext).ConfigureAwait(false))
        {
            // The default scheme answered its own way (a cookie scheme redirects to sign in), as [Authorize] would have.
            return true;
        }

        httpContext.Response.StatusCode = problem.Status.Value;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = problem,
        }).ConfigureAwait(false);
    }

    /// <summary>The problem details for <paramref name="refusal"/>: status, type, title and a detail that says what to do.</summary>
    /// <param name="refusal">The refusal.</param>
    /// <returns>The problem details; no part of them comes from the database's message.</returns>
    public static ProblemDetails Describe(ThreadlineRefusal refusal)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        return refusal.Kind switch
        {
            ThreadlineRefusalKind.AnonymousActorRefused => Problem(StatusCodes.Status401Unauthorized, AnonymousActorRefusedType, "Authentication required",
                "This change must be made by an identified user, and the request is not authenticated. Sign in and send it again. Nothing was saved."),
            ThreadlineRefusalKind.ActorRequired => Problem(StatusCodes.Status500InternalServerError, ActorRequiredType, "Change not attributed",
                "The server did not say who made this change, so the audit trail refused it. Nothing was saved. This is a server configuration error, not an error in the request."),
            ThreadlineRefusalKind.ContextNotFromThisTransaction => Problem(StatusCodes.Status500InternalServerError, ContextNotFromThisTransactionType, "Audit context not trusted",
                "The audit context on the server's database connection was not set for this change, so the audit trail refused it. Nothing was saved. This is a server error, not an error in the request."),
            ThreadlineRefusalKind.ContextChangedInTransaction => Problem(StatusCodes.Status500InternalServerError, ContextChangedInTransactionType, "Audit context changed",
                "The server tried to record one database transaction under two different actors or requests, so the audit trail refused it. Nothing was saved. This is a server error, not an error in the request."),
            _ => Problem(StatusCodes.Status500InternalServerError, InvalidContextType, "Invalid audit context",
                "The server sent the audit trail a malformed audit context, so it refused the change. Nothing was saved. This is a server error, not an error in the request."),
        };
    }

    private static ProblemDetails Problem(int status, string type, string title, string detail) =>
        new() { Status = status, Type = type, Title = title, Detail = detail };

    /// <summary>
    /// RFC 9110 wants a 401 to say how to authenticate: the default challenge scheme, if the app has one, adds its
    /// <c>WWW-Authenticate</c>. False when the scheme answered otherwise (a redirect), so no body is written over it.
    /// </summary>
    private static async Task<bool> ChallengeAsync(HttpContext httpContext)
    {
        if (httpContext.RequestServices.GetService<IAuthenticationSchemeProvider>() is not { } schemes
            || await schemes.GetDefaultChallengeSchemeAsync().ConfigureAwait(false) is null)
        {
            return true;
        }

        await httpContext.ChallengeAsync().ConfigureAwait(false);
        return !httpContext.Response.HasStarted && httpContext.Response.StatusCode == StatusCodes.Status401Unauthorized;
    }

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Threadline refused a write ({Kind}, SQLSTATE {SqlState}) on {Method} {Path}, answered {Status}: {Reason}")]
    private static partial void LogRefusal(ILogger logger, ThreadlineRefusalKind kind, string sqlState, string method, PathString path, int status, string reason);
}
