using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Threadline.Platform;
using Threadline.Platform.Posts;

// Installs the audit schema and the platform's tables on a direct PostgreSQL connection, then exits.
// The AppHost starts the services only after this completes successfully.
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
    var applied = await PlatformDatabase.SetUpAsync(
        connection,
        configuration[PlatformConfig.AppUserPassword] ?? throw new InvalidOperationException($"{PlatformConfig.AppUserPassword} is missing."),
        configuration[PlatformConfig.AuditorUserPassword] ?? throw new InvalidOperationException($"{PlatformConfig.AuditorUserPassword} is missing."),
        PlatformCapture.FromConfiguration(configuration),
        pgBouncerAuthPassword: configuration[PlatformConfig.PgBouncerAuthPassword]);
    logger.LogInformation(
        "Platform database is set up. Capture enabled: [{Enabled}], changed: [{Changed}], unchanged: [{Unchanged}], disabled: [{Disabled}]",
        string.Join(", ", applied.Enabled), string.Join(", ", applied.Changed), string.Join(", ", applied.Unchanged), string.Join(", ", applied.Disabled));
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
