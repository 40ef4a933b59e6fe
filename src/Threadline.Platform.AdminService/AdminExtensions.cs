using Threadline.Query;

namespace Threadline.Platform.AdminService;

public static class AdminExtensions
{
    public static WebApplicationBuilder AddAdminServices(this WebApplicationBuilder builder)
    {
        builder.AddAdminAuthentication();
        // The admin service reads through PgBouncer as the auditor role: SELECT on audit tables, nothing else.
        builder.AddNpgsqlDataSource(ResourceNames.AuditReaderDatabase);
        builder.Services.AddSingleton<AuditReader>();
        builder.Services.AddSingleton<AuditExporter>();
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter()));
        builder.Services.AddOpenApi();
        return builder;
    }
}
