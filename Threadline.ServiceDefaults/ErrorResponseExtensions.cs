using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Every error a service answers has a problem-details body. Services register exception handlers of their own before
/// this runs them, for example Threadline's, which answers a transient database failure with 503 instead of 500.
/// </summary>
public static class ErrorResponseExtensions
{
    public static IHostApplicationBuilder AddProblemDetailsResponses(this IHostApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails();
        return builder;
    }

    /// <summary>Goes before authentication, so its 401 and 403 get problem-details bodies too.</summary>
    public static WebApplication UseProblemDetailsResponses(this WebApplication app)
    {
        // Registered exception handlers (IExceptionHandler) run first. Malformed request bodies surface as
        // BadHttpRequestException (thrown in Development): answer with their 4xx, not 500.
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = exception => exception switch
            {
                BadHttpRequestException bad => bad.StatusCode,
                _ => StatusCodes.Status500InternalServerError,
            },
        });
        // A bodiless 4xx (401/403 from authentication, 404/405 from routing, 415 from binding) gets a problem-details body
        // whatever the Accept header says: the default handler falls back to text/plain for, say, Accept: application/xml.
        app.UseStatusCodePages(context => Results.Problem(statusCode: context.HttpContext.Response.StatusCode).ExecuteAsync(context.HttpContext));
        return app;
    }
}
