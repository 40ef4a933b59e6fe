using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Net.Http.Headers;

namespace Threadline.AspNetCore.AdminUi;

/// <summary>
/// The server-rendered investigation UI under /ui (Razor Pages): timeline, row history and state, transaction drill-down.
/// </summary>
/// <remarks>
/// Browsers sign in at /ui/login by pasting a bearer token, which is kept in an HttpOnly cookie that the bearer scheme
/// reads for /ui paths only (see <see cref="ThreadlineAdminUiPaths"/>); an API keeps taking tokens from the Authorization
/// header alone. Forms that change state are POSTs with antiforgery tokens. The pages read with <c>AuditReader</c>,
/// which the application registers (for example with <c>AddThreadlineInvestigation</c>).
/// </remarks>
public static class ThreadlineAdminUiExtensions
{
    /// <summary>
    /// Registers the UI's Razor Pages, guarded by <paramref name="authorizationPolicy"/> (sign-in, sign-out and error
    /// pages are open), and teaches the JWT bearer scheme (<see cref="ThreadlineAdminUiOptions.AuthenticationScheme"/>)
    /// to read the UI's cookie and to send a browser without a token to the login page.
    /// </summary>
    /// <param name="services">The application's services.</param>
    /// <param name="authorizationPolicy">The policy the pages require; grant it to auditors only.</param>
    /// <param name="configure">Changes the options: the bearer scheme, the trace link, the login hint.</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    public static IServiceCollection AddThreadlineAdminUi(this IServiceCollection services, string authorizationPolicy, Action<ThreadlineAdminUiOptions>? configure = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(authorizationPolicy);
        var options = new ThreadlineAdminUiOptions();
        configure?.Invoke(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.AuthenticationScheme, "options.AuthenticationScheme");
        services.AddOptions<ThreadlineAdminUiOptions>().Configure(o =>
        {
            configure?.Invoke(o);
            o.AuthorizationPolicy = authorizationPolicy;
        });
        services.AddRazorPages(pages =>
        {
            pages.Conventions.AuthorizeFolder("/Ui", authorizationPolicy);
            pages.Conventions.AllowAnonymousToPage("/Ui/Login");
            pages.Conventions.AllowAnonymousToPage("/Ui/Logout");
            pages.Conventions.AllowAnonymousToPage("/Ui/Status");
        });
        services.AddOptions<JwtBearerOptions>(options.AuthenticationScheme).PostConfigure(bearer =>
        {
            var events = bearer.Events ?? new JwtBearerEvents();
            var messageReceived = events.OnMessageReceived;
            var challenge = events.OnChallenge;
            events.OnMessageReceived = async context =>
            {
                await messageReceived(context);
                ReadUiCookie(context);
            };
            events.OnChallenge = async context =>
            {
                RedirectUiToLogin(context);
                if (!context.Handled)
                {
                    await challenge(context);
                }
            };
            bearer.Events = events;
        });
        return services;
    }

    /// <summary>
    /// The UI's middleware: a bodiless error status of a UI request (403 from authorization, 404 from routing) is
    /// re-rendered as a page keeping its status, and UI responses get strict security headers (no caching, no framing,
    /// no script, styles from this site only). Call it after the exception handler and status-code pages (so that other
    /// paths keep their problem-details bodies) and before authentication.
    /// </summary>
    /// <param name="app">The application's pipeline.</param>
    /// <returns><paramref name="app"/>, for chaining.</returns>
    public static IApplicationBuilder UseThreadlineAdminUi(this IApplicationBuilder app)
    {
        // Runs inside the problem-details status pages and is switched off for every other path, so API responses keep
        // their problem-details bodies. (Not a UseWhen branch: a branch would not re-route the re-execution.)
        app.UseStatusCodePagesWithReExecute(ThreadlineAdminUiPaths.StatusPathFormat);
        app.Use((context, next) =>
        {
            if (ThreadlineAdminUiPaths.IsUiPath(context.Request.Path))
            {
                // Audit data: never cached, never framed, no script or style from anywhere but this site.
                var headers = context.Response.Headers;
                headers.ContentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "same-origin";
                headers.CacheControl = "no-store";
            }
            else if (context.Features.Get<IStatusCodePagesFeature>() is { } reExecute)
            {
                reExecute.Enabled = false;
            }

            return next(context);
        });
        return app;
    }

    /// <summary>
    /// Maps the UI's pages under /ui and its stylesheet. It maps every Razor Page and static asset of the application
    /// (<c>MapRazorPages</c>, <c>MapStaticAssets</c>), so the application does not map those again.
    /// </summary>
    /// <param name="endpoints">The application's endpoints.</param>
    /// <returns><paramref name="endpoints"/>, for chaining.</returns>
    public static IEndpointRouteBuilder MapThreadlineAdminUi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapStaticAssets();
        endpoints.MapRazorPages();
        return endpoints;
    }

    /// <summary>Under /ui only, and only without an Authorization header: the token comes from the login cookie.</summary>
    private static void ReadUiCookie(MessageReceivedContext context)
    {
        var request = context.Request;
        if (context.Token is null
            && ThreadlineAdminUiPaths.IsUiPath(request.Path)
            && !request.Headers.ContainsKey(HeaderNames.Authorization)
            && request.Cookies.TryGetValue(ThreadlineAdminUiPaths.TokenCookie, out var token)
            && !string.IsNullOrWhiteSpace(token))
        {
            context.Token = token;
        }
    }

    /// <summary>A browser without a (valid) token is sent to the login page; API callers keep the 401 with problem details.</summary>
    private static void RedirectUiToLogin(JwtBearerChallengeContext context)
    {
        var request = context.Request;
        if (ThreadlineAdminUiPaths.IsUiPath(request.Path) && !request.Headers.ContainsKey(HeaderNames.Authorization))
        {
            context.HandleResponse();
            var returnUrl = request.PathBase + request.Path + request.QueryString;
            context.Response.Redirect($"{request.PathBase}{ThreadlineAdminUiPaths.LoginPath}?returnUrl={Uri.EscapeDataString(returnUrl)}");
        }
    }
}
