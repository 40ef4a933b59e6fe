namespace Threadline.AppHost;

/// <summary>
/// Secrets of the platform, as Aspire parameters. Generated per run unless configured (user secrets or
/// <c>Parameters:*</c>), so nothing secret is committed.
/// </summary>
internal sealed record PlatformSecrets(
    IResourceBuilder<ParameterResource> PostgresPassword,
    IResourceBuilder<ParameterResource> AppUserPassword,
    IResourceBuilder<ParameterResource> AuditorUserPassword,
    IResourceBuilder<ParameterResource> SigningKey)
{
    public static PlatformSecrets Add(IDistributedApplicationBuilder builder)
    {
        // Alphanumeric only: the values end up in connection strings and PgBouncer's user list.
        var password = new GenerateParameterDefault { MinLength = 24, Special = false };
        var key = new GenerateParameterDefault { MinLength = 48, Special = false };
        return new PlatformSecrets(
            builder.AddParameter("postgres-password", password, secret: true),
            builder.AddParameter("app-user-password", password, secret: true),
            builder.AddParameter("auditor-user-password", password, secret: true),
            builder.AddParameter("jwt-signing-key", key, secret: true));
    }
}
