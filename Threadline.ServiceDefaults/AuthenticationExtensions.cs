using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Net.Http.Headers;
using Threadline.Platform;

namespace Microsoft.Extensions.Hosting;

public static class PlatformPolicies
{
    /// <summary>Investigation endpoints: auditors and admins.</summary>
    public const string Auditor = "auditor";
}

/// <summary>
/// The browser side of platform authentication. Pages under <see cref="PathPrefix"/> read the bearer token from an
/// HttpOnly cookie (set by the UI's login page) when no Authorization header is present; everything else, the JSON API
/// included, accepts the token from the Authorization header only, so a browser's cookie never authenticates an API call.
/// </summary>
public static class PlatformUi
{
    /// <summary>Browser pages live under this path; only there is the token cookie read.</summary>
    public const string PathPrefix = "/ui";

    /// <summary>Where an unauthenticated browser is sent, with <c>returnUrl</c>.</summary>
    public const string LoginPath = "/ui/login";

    /// <summary>Renders an error status (403, 404, ...) of a UI request as a page; <c>{0}</c> is the status code.</summary>
    public const string StatusPathFormat = "/ui/status/{0}";

    /// <summary>The HttpOnly, SameSite=Strict cookie (path <see cref="PathPrefix"/>) holding the pasted bearer token.</summary>
    public const string TokenCookie = "threadline-ui-token";

    public static bool IsUiPath(PathString path) => path.StartsWithSegments(PathPrefix, StringComparison.OrdinalIgnoreCase);
}

public static class AuthenticationExtensions
{
    /// <summary>JWT bearer authentication for the platform's services; every 4xx without a body gets a problem-details body.</summary>
    public static IHostApplicationBuilder AddPlatformAuthentication(this IHostApplicationBuilder builder)
    {
        var secret = builder.Configuration[PlatformConfig.SigningKey]
            ?? throw new InvalidOperationException($"{PlatformConfig.SigningKey} is missing.");
        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = DependencyFailures.Describe);
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme)
            .AddJwtBearer(options =>
            {
                options.MapInboundClaims = false;
                options.TokenValidationParameters = PlatformAuth.ValidationParameters(secret);
                options.Events = new JwtBearerEvents
                {
                    OnMessageReceived = ReadUiCookie,
                    OnChallenge = RedirectUiToLogin,
                };
            });
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(PlatformPolicies.Auditor, policy => policy.RequireRole(PlatformAuth.AuditorRole, PlatformAuth.AdminRole));
        return builder;
    }

    public static WebApplication UsePlatformAuthentication(this WebApplication app)
    {
        // Malformed request bodies surface as BadHttpRequestException (thrown in Development): answer with their 4xx, not 500.
        // An unreachable database is a 503 the caller can retry (DependencyFailures), not a 500.
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = exception => exception switch
            {
                Microsoft.AspNetCore.Http.BadHttpRequestException bad => bad.StatusCode,
                _ when DependencyFailures.IsDatabaseUnavailable(exception) => StatusCodes.Status503ServiceUnavailable,
                _ => StatusCodes.Status500InternalServerError,
            },
        });
        // A bodiless 4xx (401/403 from authentication, 404/405 from routing, 415 from binding) gets a problem-details body
        // whatever the Accept header says: the default handler falls back to text/plain for, say, Accept: application/xml.
        app.UseStatusCodePages(context => Results.Problem(statusCode: context.HttpContext.Response.StatusCode).ExecuteAsync(context.HttpContext));
        // Browser pages: a bodiless 4xx (403 from authorization, 404 from routing) is re-rendered as a page, keeping its
        // status. It runs inside the problem-details handler above and is switched off for every other path, so API
        // responses keep their problem-details bodies. (Not a UseWhen branch: a branch would not re-route the re-execution.)
        app.UseStatusCodePagesWithReExecute(PlatformUi.StatusPathFormat);
        app.Use((context, next) =>
        {
            if (!PlatformUi.IsUiPath(context.Request.Path) && context.Features.Get<IStatusCodePagesFeature>() is { } reExecute)
            {
                reExecute.Enabled = false;
            }

            return next(context);
        });
        app.UseAuthentication();
        app.UseAuthorization();
        return app;
    }

    /// <summary>Under /ui only, and only without an Authorization header: the token comes from the login cookie.</summary>
    private static Task ReadUiCookie(MessageReceivedContext context)
    {
        var request = context.Request;
        if (PlatformUi.IsUiPath(request.Path)
            && !request.Headers.ContainsKey(HeaderNames.Authorization)
            && request.Cookies.TryGetValue(PlatformUi.TokenCookie, out var token)
            && !string.IsNullOrWhiteSpace(token))
        {
            context.Token = token;
        }

        return Task.CompletedTask;
    }

    /// <summary>A browser without a (valid) token is sent to the login page; API callers keep the 401 with problem details.</summary>
    private static Task RedirectUiToLogin(JwtBearerChallengeContext context)
    {
        var request = context.Request;
        if (PlatformUi.IsUiPath(request.Path) && !request.Headers.ContainsKey(HeaderNames.Authorization))
        {
            context.HandleResponse();
            var returnUrl = request.PathBase + request.Path + request.QueryString;
            context.Response.Redirect($"{request.PathBase}{PlatformUi.LoginPath}?returnUrl={Uri.EscapeDataString(returnUrl)}");
        }

        return Task.CompletedTask;
    }
}
