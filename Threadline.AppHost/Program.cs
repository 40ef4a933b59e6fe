using Threadline.AppHost;
using Threadline.Hosting;
using Threadline.Platform;

var builder = DistributedApplication.CreateBuilder(args);

// Containers where a container runtime answers, local executables where none does: decided before the model is built.
var runtime = InfrastructureRuntime.Create(builder, StartupLog.Create());
var secrets = PlatformSecrets.Add(builder);
var replicas = PlatformReplicas.Read(builder.Configuration);

var postgres = runtime.AddThreadlinePostgres(ResourceNames.Postgres, ResourceNames.DatabaseName, secrets.PostgresPassword);
var pgbouncer = runtime.AddPgBouncer(ResourceNames.PgBouncer, postgres);
var appDatabase = pgbouncer.AddPooledDatabase(ResourceNames.AppDatabase, PlatformRoles.AppUser, secrets.AppUserPassword)
    .WithTopologyCommand();
var auditReaderDatabase = pgbouncer.AddPooledDatabase(ResourceNames.AuditReaderDatabase, PlatformRoles.AuditorUser, secrets.AuditorUserPassword);
var rabbitmq = runtime.AddThreadlineRabbitMQ(ResourceNames.RabbitMQ);
postgres.Database.WithCoverageAndRetentionCommands().WithIntegrityCommands().WithCompletenessCommand();

// DDL goes straight to PostgreSQL, never through the pooler; the services start once it has completed.
var schemaManager = builder.AddProject<Projects.Threadline_Platform_SchemaManager>(ResourceNames.SchemaManager)
    .WithReference(postgres.Database, ResourceNames.DirectDatabase)
    .WithEnvironment(ToEnv(PlatformConfig.AppUserPassword), secrets.AppUserPassword)
    .WithEnvironment(ToEnv(PlatformConfig.AuditorUserPassword), secrets.AuditorUserPassword)
    .WaitFor(postgres.Server);

// PgBouncer's health check logs in as the application role, which the schema manager creates.
pgbouncer.WaitForCompletion(schemaManager);

// A published PgBouncer is configured by environment and looks the login roles' password hashes up in PostgreSQL
// (auth_query) as a role of its own, which the schema manager creates; run mode renders the auth file as before.
if (builder.ExecutionContext.IsPublishMode)
{
    var pgbouncerAuthPassword = PlatformSecrets.AddPgBouncerAuthPassword(builder);
    pgbouncer.WithAuthQuery(PlatformRoles.PgBouncerAuthUser, pgbouncerAuthPassword, PlatformRoles.PgBouncerAuthQuery);
    schemaManager.WithEnvironment(ToEnv(PlatformConfig.PgBouncerAuthPassword), pgbouncerAuthPassword);
}

// The dashboard's own URL (the AppHost's ASPNETCORE_URLS) lets the admin UI link each transaction to its trace.
var admin = builder.AddProject<Projects.Threadline_Platform_AdminService>(ResourceNames.AdminService)
    .WithReference(auditReaderDatabase)
    .WithEnvironment(ToEnv(PlatformConfig.SigningKey), secrets.SigningKey)
    .WithEnvironment(ToEnv(PlatformConfig.DashboardUrl), builder.Configuration["ASPNETCORE_URLS"]?.Split(';')[0] ?? "")
    .WaitFor(pgbouncer)
    .WithHttpHealthCheck("/health")
    .WithPlatformReplicas(replicas);

// Services that write audited transactions link each audit span to the transaction's page in the admin UI.
var adminUrl = admin.GetEndpoint("http");

var postsApi = builder.AddProject<Projects.Threadline_Platform_PostsApi>(ResourceNames.PostsApi)
    .WithReference(appDatabase)
    .WithReference(rabbitmq)
    .WithEnvironment(ToEnv(PlatformConfig.SigningKey), secrets.SigningKey)
    .WithEnvironment(ToEnv(PlatformConfig.AdminUrl), adminUrl)
    .WaitFor(pgbouncer)
    .WaitFor(rabbitmq)
    .WithHttpHealthCheck("/health")
    .WithPlatformReplicas(replicas)
    .WithDeveloperCommands(secrets);

// Test-only crash points (posts-api FaultInjection), off unless the AppHost is started with Platform:FaultInjection=true.
if (string.Equals(builder.Configuration[PlatformConfig.FaultInjection], "true", StringComparison.OrdinalIgnoreCase))
{
    postsApi.WithEnvironment(ToEnv(PlatformConfig.FaultInjection), "true");
}

// Write backpressure limits (posts-api WriteBackpressure), when the AppHost is given them.
foreach (var limit in new[] { PlatformConfig.WritesMaxConcurrent, PlatformConfig.WritesQueueLimit })
{
    if (builder.Configuration[limit] is { Length: > 0 } value)
    {
        postsApi.WithEnvironment(ToEnv(limit), value);
    }
}

builder.AddProject<Projects.Threadline_Platform_JobWorker>(ResourceNames.JobWorker)
    .WithReference(appDatabase)
    .WithReference(rabbitmq)
    .WithEnvironment(ToEnv(PlatformConfig.AdminUrl), adminUrl)
    .WaitFor(pgbouncer)
    .WaitFor(rabbitmq)
    .WithHttpHealthCheck("/health")
    .WithPlatformReplicas(replicas);

// Plain HTTP only: each project otherwise carries Aspire's HTTPS certificate callback, which alone makes the dashboard
// show "No trusted development certificate" on a machine without a trusted dev cert, though nothing here serves HTTPS
// (DevelopmentCertificateTests).
#pragma warning disable ASPIRECERTIFICATES001 // WithoutHttpsCertificate is experimental in Aspire 13.6.
foreach (var project in builder.Resources.OfType<ProjectResource>().ToList())
{
    builder.CreateResourceBuilder(project).WithoutHttpsCertificate();
}
#pragma warning restore ASPIRECERTIFICATES001

builder.Build().Run();

static string ToEnv(string key) => key.Replace(":", "__", StringComparison.Ordinal);
