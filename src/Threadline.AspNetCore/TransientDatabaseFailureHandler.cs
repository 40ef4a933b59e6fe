using System.Globalization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Threadline.AspNetCore;

/// <summary>
/// Answers a request that failed on a transient database failure (<see cref="ThreadlineErrors.FindTransient"/>) with
/// 503, <c>Retry-After</c> and a problem-details body that says whether anything may have been saved. Any other failure
/// is left to the next handler (a 500), after one log line naming the exception type and SQLSTATE, so that a missed
/// transient class is found from the log. Registered by <see cref="ThreadlineErrorResponseExtensions.AddThreadlineErrorResponses"/>.
/// </summary>
public sealed partial class TransientDatabaseFailureHandler(
    IProblemDetailsService problemDetails,
    IOptions<ThreadlineErrorResponseOptions> options,
    ILogger<TransientDatabaseFailureHandler> logger) : IExceptionHandler
{
    /// <summary>The title of a 503 for a lost or refused connection.</summary>
    public const string UnavailableTitle = "Database unavailable";

    /// <summary>The title of a 503 for a transaction the database rolled back.</summary>
    public const string RolledBackTitle = "Database busy";

    /// <inheritdoc />
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        ArgumentNullException.ThrowIfNull(exception);
        if (ThreadlineErrors.FindTransient(exception) is not { } failure)
        {
            LogUnclassified(logger, exception.GetType().FullName, ThreadlineErrors.SqlStateOf(exception) ?? "none", httpContext.Request.Method, httpContext.Request.Path);
            return false;
        }

        if (httpContext.Response.HasStarted)
        {
            return false;
        }

        LogTransient(logger, failure.Kind, failure.Exception.GetType().FullName, failure.SqlState ?? "none", httpContext.Request.Method, httpContext.Request.Path, failure.Exception.Message);
        var retryAfter = options.Value.RetryAfter;
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = Describe(failure),
        }).ConfigureAwait(false);
    }

    /// <summary>The problem details of a 503 for <paramref name="failure"/>.</summary>
    /// <param name="failure">The transient failure.</param>
    /// <returns>Status 503 with a title and a detail that say what the caller should do.</returns>
    public static ProblemDetails Describe(TransientDatabaseFailure failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        return failure.Kind == TransientFailureKind.RolledBack
            ? new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = RolledBackTitle,
                Detail = $"The database rolled the request back (SQLSTATE {failure.SqlState}); nothing was saved. Retry it.",
            }
            : new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = UnavailableTitle,
                // Honest about the one ambiguous case: a connection lost during COMMIT leaves the outcome unknown to us too.
                Detail = "The request was not confirmed because the database connection failed. If it failed during commit "
                    + "the change may have been saved, and then it is audited; check before retrying.",
            };
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Transient database failure ({Kind}: {ExceptionType}, SQLSTATE {SqlState}) on {Method} {Path}, answered 503: {Reason}")]
    private static partial void LogTransient(ILogger logger, TransientFailureKind kind, string? exceptionType, string sqlState, string method, PathString path, string reason);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "Unclassified failure {ExceptionType} (SQLSTATE {SqlState}) on {Method} {Path}, answered 500; if it is transient, ThreadlineErrors should classify it")]
    private static partial void LogUnclassified(ILogger logger, string? exceptionType, string sqlState, string method, PathString path);
}
