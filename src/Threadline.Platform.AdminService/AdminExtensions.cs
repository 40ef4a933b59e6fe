using Threadline.Query;

namespace Threadline.Platform.AdminService;

public static class AdminExtensions
{
    public static WebApplicationBuilder AddAdminServices(this WebApplicationBuilder builder)
    {
        builder.AddPlatformAuthentication();
        // The admin service reads through PgBouncer as the auditor role: SELECT on audit tables, nothing else.
        builder.AddNpgsqlDataSource(ResourceNames.AuditReaderDatabase);
        builder.Services.AddSingleton<AuditReader>();
        return builder;
    }
}
