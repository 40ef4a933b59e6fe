using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Net.Http.Headers;
using Threadline.AspNetCore;

namespace Threadline.Platform.AdminService;

/// <summary>
/// The platform's bearer tokens for the API, and for the UI the same tokens from the login cookie (<see cref="PlatformUi"/>):
/// only under /ui is the cookie read, and only there does a missing token send the browser to the login page.
/// </summary>
public static class AdminAuthentication
{
    public static WebApplicationBuilder AddAdminAuthentication(this WebApplicationBuilder builder)
    {
        builder.AddProblemDetailsResponses();
        // A transient database failure is a 503 with Retry-After, never a 500 (Threadline's rule, ThreadlineErrors).
        builder.Services.AddThreadlineErrorResponses();
        builder.AddJwtBearerAuthentication(PlatformConfig.SigningKey, PlatformAuth.ValidationParameters);
        builder.Services.Configure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, options =>
        {
            var events = options.Events ?? new JwtBearerEvents();
            events.OnMessageReceived = ReadUiCookie;
            events.OnChallenge = RedirectUiToLogin;
            options.Events = events;
        });
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(PlatformPolicies.Auditor, policy => policy.RequireRole(PlatformAuth.AuditorRole, PlatformAuth.AdminRole));
        return builder;
    }

    public static WebApplication UseAdminAuthentication(this WebApplication app)
    {
        app.UseProblemDetailsResponses();
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
