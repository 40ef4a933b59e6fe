namespace Threadline.Platform.AdminService;

/// <summary>The server-rendered investigation UI under /ui (Razor Pages), for auditors and admins.</summary>
public static class AdminUiExtensions
{
    public static WebApplicationBuilder AddAdminUi(this WebApplicationBuilder builder)
    {
        builder.Services.AddRazorPages();
        return builder;
    }

    public static WebApplication MapAdminUi(this WebApplication app)
    {
        app.MapRazorPages();
        return app;
    }
}
