using Threadline.AspNetCore;
using Threadline.AspNetCore.AdminUi;

namespace Threadline.Platform.AdminService;

/// <summary>
/// The platform's bearer tokens for the API, and for the UI the same tokens from the UI's login cookie (the admin UI
/// package teaches the bearer scheme to read it under /ui only, and to send a browser without a token to the login page).
/// </summary>
public static class AdminAuthentication
{
    public static WebApplicationBuilder AddAdminAuthentication(this WebApplicationBuilder builder)
    {
        builder.AddProblemDetailsResponses();
        // A transient database failure is a 503 with Retry-After, never a 500 (Threadline's rule, ThreadlineErrors).
        builder.Services.AddThreadlineErrorResponses();
        builder.AddJwtBearerAuthentication(PlatformConfig.SigningKey, PlatformAuth.ValidationParameters);
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(PlatformPolicies.Auditor, policy => policy.RequireRole(PlatformAuth.AuditorRole, PlatformAuth.AdminRole));
        return builder;
    }

    public static WebApplication UseAdminAuthentication(this WebApplication app)
    {
        app.UseProblemDetailsResponses();
        // Inside the problem-details handler: UI error statuses become pages, every other path keeps problem details.
        app.UseThreadlineAdminUi();
        app.UseAuthentication();
        app.UseAuthorization();
        return app;
    }
}
