using System.Diagnostics;
using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Threadline.AspNetCore;

/// <summary>How the HTTP bridge builds a request's audit context.</summary>
public sealed class ThreadlineHttpOptions
{
    /// <summary>The request header whose value becomes the context's request id; the ASP.NET Core trace identifier when absent.</summary>
    public const string RequestIdHeader = "X-Request-Id";
    /// <summary>The request header whose value becomes the context's correlation id; none when absent.</summary>
    public const string CorrelationIdHeader = "X-Correlation-Id";

    /// <summary>Maps the authenticated user to an actor. The default uses the <c>sub</c> claim (or name identifier) as a user id, and the anonymous actor otherwise.</summary>
    public Func<ClaimsPrincipal, ActorRef> ActorResolver { get; set; } = DefaultActor;

    /// <summary>
    /// The default <see cref="ActorResolver"/>: an authenticated user with a <c>sub</c> (or name identifier) claim becomes
    /// <see cref="ActorRef.User"/> with that id; anyone else is <see cref="ActorRef.Anonymous"/>.
    /// </summary>
    /// <param name="user">The request's user, after authentication.</param>
    /// <returns>The actor that the request's audited changes are attributed to.</returns>
    public static ActorRef DefaultActor(ClaimsPrincipal user)
    {
        if (user.Identity?.IsAuthenticated != true)
        {
            return ActorRef.Anonymous;
        }

        var subject = user.FindFirstValue("sub") ?? user.FindFirstValue(ClaimTypes.NameIdentifier);
        return string.IsNullOrEmpty(subject) ? ActorRef.Anonymous : ActorRef.User(subject);
    }
}

/// <summary>Registers and installs the HTTP bridge: each request runs with an audit context built from its user and headers.</summary>
public static class ThreadlineAspNetCoreExtensions
{
    /// <summary>
    /// Registers the shared <see cref="IAuditContextAccessor"/> and the <see cref="ThreadlineHttpOptions"/> that
    /// <see cref="UseThreadlineAuditContext"/> reads; add the middleware with that method.
    /// </summary>
    /// <param name="services">The application's services.</param>
    /// <param name="configure">Changes the options, for example the actor resolver; the defaults apply when omitted.</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    public static IServiceCollection AddThreadlineHttpContext(this IServiceCollection services, Action<ThreadlineHttpOptions>? configure = null)
    {
        services.AddThreadlineAuditContext();
        services.AddOptions<ThreadlineHttpOptions>().Configure(o => configure?.Invoke(o));
        return services;
    }

    /// <summary>
    /// Makes the request's audit context current for the rest of the pipeline. Place it after authentication.
    /// A malformed X-Request-Id or X-Correlation-Id is answered with 400 and a problem-details body.
    /// </summary>
    public static IApplicationBuilder UseThreadlineAuditContext(this IApplicationBuilder app) =>
        app.Use(async (httpContext, next) =>
        {
            var accessor = httpContext.RequestServices.GetRequiredService<IAuditContextAccessor>();
            var options = httpContext.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<ThreadlineHttpOptions>>().Value;
            AuditContext context;
            try
            {
                context = new AuditContext(options.ActorResolver(httpContext.User))
                {
                    RequestId = Header(httpContext, ThreadlineHttpOptions.RequestIdHeader) ?? httpContext.TraceIdentifier,
                    CorrelationId = Header(httpContext, ThreadlineHttpOptions.CorrelationIdHeader),
                    TraceId = Activity.Current?.TraceId.ToHexString(),
                    Source = "http",
                };
            }
            catch (AuditContextException ex)
            {
                await Results.Problem(
                    title: "Invalid audit context",
                    detail: ex.Message,
                    statusCode: StatusCodes.Status400BadRequest).ExecuteAsync(httpContext);
                return;
            }

            using (accessor.Begin(context))
            {
                await next(httpContext);
            }
        });

    private static string? Header(HttpContext context, string name) =>
        context.Request.Headers.TryGetValue(name, out var values) && values.Count > 0 ? values[0] : null;
}
