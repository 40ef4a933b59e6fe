namespace Threadline.Platform.AdminService;

/// <summary>The server-rendered investigation UI under /ui (Razor Pages), for auditors and admins.</summary>
/// <remarks>
/// Browsers sign in at /ui/login by pasting a platform token, which is kept in an HttpOnly cookie that the bearer
/// handler reads for /ui paths only (see <see cref="PlatformUi"/>); the JSON API still takes tokens from the
/// Authorization header alone. Forms that change state are POSTs with antiforgery tokens.
/// </remarks>
public static class AdminUiExtensions
{
    public static WebApplicationBuilder AddAdminUi(this WebApplicationBuilder builder)
    {
        builder.Services.AddRazorPages(options =>
        {
            options.Conventions.AuthorizeFolder("/Ui", PlatformPolicies.Auditor);
            options.Conventions.AllowAnonymousToPage("/Ui/Login");
            options.Conventions.AllowAnonymousToPage("/Ui/Logout");
            options.Conventions.AllowAnonymousToPage("/Ui/Status");
        });
        return builder;
    }

    public static WebApplication MapAdminUi(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            if (PlatformUi.IsUiPath(context.Request.Path))
            {
                // Audit data: never cached, never framed, no script or style from anywhere but this site.
                var headers = context.Response.Headers;
                headers.ContentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "same-origin";
                headers.CacheControl = "no-store";
            }

            await next(context);
        });
        app.MapStaticAssets();
        app.MapRazorPages();
        return app;
    }
}
