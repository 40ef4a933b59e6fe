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
    // Alphanumeric only: the values end up in connection strings and PgBouncer's user list.
    private static readonly GenerateParameterDefault Password = new() { MinLength = 24, Special = false };

    public static PlatformSecrets Add(IDistributedApplicationBuilder builder)
    {
        var password = Password;
        var key = new GenerateParameterDefault { MinLength = 48, Special = false };
        return new PlatformSecrets(
            builder.AddParameter("postgres-password", password, secret: true),
            builder.AddParameter("app-user-password", password, secret: true),
            builder.AddParameter("auditor-user-password", password, secret: true),
            builder.AddParameter("jwt-signing-key", key, secret: true));
    }

    /// <summary>The password of the role a published PgBouncer looks passwords up as (publish mode only).</summary>
    public static IResourceBuilder<ParameterResource> AddPgBouncerAuthPassword(IDistributedApplicationBuilder builder) =>
        builder.AddParameter("pgbouncer-auth-password", Password, secret: true);
}
