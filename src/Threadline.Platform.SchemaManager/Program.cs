using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Threadline.Platform;
using Threadline.Platform.Posts;

// Installs the audit schema, the login roles and the platform's EF Core migrations (Threadline.Platform.Posts/Migrations)
// on a direct PostgreSQL connection, applies the configured capture, then exits. The AppHost starts the services only
// after this completes successfully.
var builder = Host.CreateApplicationBuilder(args);
builder.AddServiceDefaults();
using var host = builder.Build();
await host.StartAsync();

var logger = host.Services.GetRequiredService<ILogger<Program>>();
var configuration = host.Services.GetRequiredService<IConfiguration>();
using var activity = new ActivitySource("Threadline.SchemaManager").StartActivity("Set up platform database");
try
{
    var connectionString = configuration.GetRequiredConnectionString(ResourceNames.DirectDatabase);
    await using var connection = new NpgsqlConnection(connectionString);
    await connection.OpenAsync();
    var result = await PlatformDatabase.SetUpAsync(
        connection,
        configuration[PlatformConfig.AppUserPassword] ?? throw new InvalidOperationException($"{PlatformConfig.AppUserPassword} is missing."),
        configuration[PlatformConfig.AuditorUserPassword] ?? throw new InvalidOperationException($"{PlatformConfig.AuditorUserPassword} is missing."),
        PlatformCapture.FromConfiguration(configuration),
        pgBouncerAuthPassword: configuration[PlatformConfig.PgBouncerAuthPassword]);
    var capture = result.Capture;
    logger.LogInformation(
        "Platform database is set up. Migrations applied: [{Migrations}]{Baseline}. Capture enabled: [{Enabled}], changed: [{Changed}], unchanged: [{Unchanged}], disabled: [{Disabled}]",
        string.Join(", ", result.AppliedMigrations), result.Baselined ? $" (existing tables adopted as {MigrationBaseline.InitialMigrationId})" : "",
        string.Join(", ", capture.Enabled), string.Join(", ", capture.Changed), string.Join(", ", capture.Unchanged), string.Join(", ", capture.Disabled));
}
catch (Exception ex)
{
    activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
    logger.LogCritical(ex, "Setting up the platform database failed");
    Environment.ExitCode = 1;
}
finally
{
    await host.StopAsync();
}
