using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace Threadline.Hosting.Tests;

/// <summary>
/// What a published PgBouncer container is configured with: the template's [pgbouncer] settings as the image's
/// environment variables, the auth user's password as a parameter, and a clear error for anything that cannot be
/// carried that way (rather than a container that silently runs without it).
/// </summary>
public sealed class PgBouncerPublishEnvironmentTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("threadline-pgbouncer-env-").FullName;
    private readonly ParameterResource _password = new("auth-password", _ => "secret", secret: true);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void The_platform_template_becomes_transaction_pooling_with_auth_query_and_the_password_stays_a_parameter()
    {
        var variables = PgBouncerContainerEnvironment.Build("pooler", Settings(HostingModel.Template), 5432).ToDictionary(v => v.Name, v => v.Value);

        Assert.Equal(
            [("AUTH_QUERY", "SELECT uname, phash FROM lookup($1)"), ("AUTH_TYPE", "scram-sha-256"), ("AUTH_USER", "pooler_auth"), ("DB_HOST", "10.0.0.5"),
             ("DB_NAME", "shop"), ("DB_PORT", "5433"), ("DB_USER", "pooler_auth"), ("DEFAULT_POOL_SIZE", "3"), ("LISTEN_PORT", "5432"), ("POOL_MODE", "transaction")],
            new[] { "AUTH_QUERY", "AUTH_TYPE", "AUTH_USER", "DB_HOST", "DB_NAME", "DB_PORT", "DB_USER", "DEFAULT_POOL_SIZE", "LISTEN_PORT", "POOL_MODE" }
                .Select(name => (name, variables[name] as string)));
        Assert.Same(_password, variables["DB_PASSWORD"]);
        // The auth file is the image's own, sockets are off, and the stats user has no password outside run mode.
        Assert.DoesNotContain(variables.Keys, name => name is "AUTH_FILE" or "UNIX_SOCKET_DIR" or "STATS_USERS");
    }

    [Fact]
    public void Publishing_without_an_auth_query_says_what_is_missing()
    {
        var settings = Settings(HostingModel.Template);
        settings.AuthUser = null;

        var error = Assert.Throws<InvalidOperationException>(() => PgBouncerContainerEnvironment.Build("pooler", settings, 5432));
        Assert.Contains("WithAuthQuery", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_published_pooler_names_one_database_and_says_so_when_it_pools_two()
    {
        var settings = Settings(HostingModel.Template);
        settings.Databases.Add("billing");

        var error = Assert.Throws<InvalidOperationException>(() => PgBouncerContainerEnvironment.Build("pooler", settings, 5432));
        Assert.Contains("exactly one database; it pools shop, billing", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_template_setting_the_image_cannot_take_from_the_environment_is_named()
    {
        var template = Path.Combine(_folder, "pgbouncer.ini");
        File.WriteAllText(template, File.ReadAllText(HostingModel.Template) + "\ntrack_extra_parameters = search_path\n");

        var error = Assert.Throws<InvalidOperationException>(() => PgBouncerContainerEnvironment.Build("pooler", Settings(template), 5432));
        Assert.Contains("'track_extra_parameters'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_value_the_entrypoint_would_rewrite_is_refused()
    {
        var settings = Settings(HostingModel.Template);
        settings.AuthQuery = "SELECT uname, phash FROM lookup($1) WHERE uname LIKE 'app%'";

        var error = Assert.Throws<InvalidOperationException>(() => PgBouncerContainerEnvironment.Build("pooler", settings, 5432));
        Assert.Contains("auth_query", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_auth_query_must_take_the_user_name()
    {
        using var model = HostingModel.Container();
        var (_, pgbouncer, _) = model.AddAll();
        var password = model.Builder.AddParameter("auth-password", secret: true);

        Assert.Throws<ArgumentException>(() => pgbouncer.WithAuthQuery("pooler_auth", password, "SELECT uname, phash FROM lookup('app')"));
        pgbouncer.WithAuthQuery("pooler_auth", password, "SELECT uname, phash FROM lookup($1)");
        Assert.Equal(("pooler_auth", "SELECT uname, phash FROM lookup($1)"), (pgbouncer.Resource.Settings.AuthUser, pgbouncer.Resource.Settings.AuthQuery));
        Assert.Same(password.Resource, pgbouncer.Resource.Settings.AuthPassword);
    }

    private PgBouncerSettings Settings(string template) => new()
    {
        TemplatePath = template,
        Databases = { "shop" },
        Backend = new PoolerBackend("10.0.0.5", 5433),
        AuthUser = "pooler_auth",
        AuthPassword = _password,
        AuthQuery = "SELECT uname, phash FROM lookup($1)",
    };
}
