using Threadline.AspNetCore;
using Threadline.AspNetCore.AdminUi;

namespace Threadline.Platform.AdminService;

/// <summary>The admin service hosts Threadline's packaged investigation API and UI behind the platform's tokens and policies.</summary>
public static class AdminExtensions
{
    public static WebApplicationBuilder AddAdminServices(this WebApplicationBuilder builder)
    {
        builder.AddAdminAuthentication();
        // The admin service reads through PgBouncer as the auditor role: SELECT on audit tables, nothing else.
        builder.AddNpgsqlDataSource(ResourceNames.AuditReaderDatabase);
        var configuration = builder.Configuration;
        builder.Services.AddThreadlineInvestigation(o => o.TraceUrl = traceId => DashboardTraceLink(configuration, traceId));
        builder.Services.AddThreadlineAdminUi(PlatformPolicies.Auditor, ui =>
        {
            ui.TraceUrl = traceId => DashboardTraceLink(configuration, traceId);
            ui.LoginHint = "Use the auditor or admin role. Developers get a token from the Aspire dashboard: on the posts-api resource, run the command Issue developer token.";
        });
        builder.Services.AddOpenApi();
        return builder;
    }

    /// <summary>The Aspire dashboard's page of a trace, when the dashboard's address is configured and is an http(s) URL.</summary>
    private static string? DashboardTraceLink(IConfiguration configuration, string traceId) =>
        Uri.TryCreate(configuration[PlatformConfig.DashboardUrl]?.Trim(), UriKind.Absolute, out var dashboard) && dashboard.Scheme is "http" or "https"
            ? $"{dashboard.AbsoluteUri.TrimEnd('/')}/traces/detail/{Uri.EscapeDataString(traceId)}"
            : null;
}
