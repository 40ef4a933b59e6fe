using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.Extensions.Hosting;

/// <summary>Every error a service answers has a problem-details body, and an unreachable database is a 503, not a 500.</summary>
public static class ErrorResponseExtensions
{
    public static IHostApplicationBuilder AddProblemDetailsResponses(this IHostApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = DependencyFailures.Describe);
        return builder;
    }

    /// <summary>Goes before authentication, so its 401 and 403 get problem-details bodies too.</summary>
    public static WebApplication UseProblemDetailsResponses(this WebApplication app)
    {
        // Malformed request bodies surface as BadHttpRequestException (thrown in Development): answer with their 4xx, not 500.
        // An unreachable database is a 503 the caller can retry (DependencyFailures), not a 500.
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = exception => exception switch
            {
                BadHttpRequestException bad => bad.StatusCode,
                _ when DependencyFailures.IsDatabaseUnavailable(exception) => StatusCodes.Status503ServiceUnavailable,
                _ => StatusCodes.Status500InternalServerError,
            },
        });
        // A bodiless 4xx (401/403 from authentication, 404/405 from routing, 415 from binding) gets a problem-details body
        // whatever the Accept header says: the default handler falls back to text/plain for, say, Accept: application/xml.
        app.UseStatusCodePages(context => Results.Problem(statusCode: context.HttpContext.Response.StatusCode).ExecuteAsync(context.HttpContext));
        return app;
    }
}
