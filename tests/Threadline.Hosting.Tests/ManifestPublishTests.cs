using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Threadline.Hosting.Tests;

/// <summary>
/// Publish mode (<c>--publisher manifest</c>, containers only) writes an Aspire manifest that deployment tools (azd,
/// Aspir8) read: the infrastructure as containers (PgBouncer configured by environment, in transaction mode, with
/// auth_query), the four services as projects, their references and every secret as a parameter, and no reference to
/// a resource the manifest does not describe.
/// </summary>
public sealed partial class ManifestPublishTests
{
    [Fact]
    public async Task The_manifest_describes_the_platform_with_its_references_and_secrets_as_parameters()
    {
        var manifest = (await PublishAsync()).GetProperty("resources");
        string Type(string name) => manifest.GetProperty(name).GetProperty("type").GetString()!;

        Assert.Equal("container.v0", Type("postgres"));
        Assert.StartsWith("docker.io/library/postgres:", manifest.GetProperty("postgres").GetProperty("image").GetString(), StringComparison.Ordinal);
        Assert.Equal("container.v0", Type("pgbouncer"));
        Assert.Contains("pgbouncer", manifest.GetProperty("pgbouncer").GetProperty("image").GetString(), StringComparison.Ordinal);
        Assert.Equal("container.v0", Type("rabbitmq"));
        foreach (var project in new[] { "schema-manager", "posts-api", "job-worker", "admin" })
        {
            Assert.Equal("project.v0", Type(project));
        }

        // The pooled databases carry the client settings transaction pooling needs, through PgBouncer.
        foreach (var pooled in new[] { "app-db", "audit-reader-db" })
        {
            var connection = manifest.GetProperty(pooled).GetProperty("connectionString").GetString()!;
            Assert.Contains("{pgbouncer.", connection, StringComparison.Ordinal);
            Assert.Contains("No Reset On Close=true", connection, StringComparison.Ordinal);
        }

        Assert.Contains("{threadline-direct.connectionString}", Env("schema-manager", "ConnectionStrings__threadline-direct"), StringComparison.Ordinal);
        Assert.Contains("{app-db.connectionString}", Env("posts-api", "ConnectionStrings__app-db"), StringComparison.Ordinal);
        Assert.Contains("{rabbitmq.connectionString}", Env("posts-api", "ConnectionStrings__rabbitmq"), StringComparison.Ordinal);
        Assert.Contains("{app-db.connectionString}", Env("job-worker", "ConnectionStrings__app-db"), StringComparison.Ordinal);
        Assert.Contains("{audit-reader-db.connectionString}", Env("admin", "ConnectionStrings__audit-reader-db"), StringComparison.Ordinal);

        // PgBouncer is deployable from the manifest alone: configured by the image's environment variables, in transaction
        // mode with the reference pool, authenticating the login roles through auth_query as a role of its own whose
        // password is a secret parameter; no mounted folder of rendered files and no auth file of the roles' passwords.
        var pgbouncer = manifest.GetProperty("pgbouncer");
        Assert.False(pgbouncer.TryGetProperty("bindMounts", out _), "pgbouncer mounts a folder");
        Assert.False(pgbouncer.TryGetProperty("args", out _), "pgbouncer is given a configuration file");
        Assert.Equal(
            [("AUTH_QUERY", "SELECT uname, phash FROM pgbouncer_auth.user_lookup($1)"), ("AUTH_TYPE", "scram-sha-256"), ("AUTH_USER", "threadline_pgbouncer_auth"),
             ("DB_HOST", "postgres"), ("DB_NAME", "threadline"), ("DB_PASSWORD", "{pgbouncer-auth-password.value}"), ("DB_PORT", "5432"),
             ("DB_USER", "threadline_pgbouncer_auth"), ("DEFAULT_POOL_SIZE", "3"), ("IGNORE_STARTUP_PARAMETERS", "extra_float_digits"),
             ("LISTEN_PORT", "5432"), ("MAX_DB_CONNECTIONS", "3"), ("POOL_MODE", "transaction"), ("SERVER_LOGIN_RETRY", "2"),
             ("SERVER_RESET_QUERY", "DISCARD ALL")],
            new[] { "AUTH_QUERY", "AUTH_TYPE", "AUTH_USER", "DB_HOST", "DB_NAME", "DB_PASSWORD", "DB_PORT", "DB_USER", "DEFAULT_POOL_SIZE", "IGNORE_STARTUP_PARAMETERS", "LISTEN_PORT", "MAX_DB_CONNECTIONS", "POOL_MODE", "SERVER_LOGIN_RETRY", "SERVER_RESET_QUERY" }
                .Select(key => (key, Env("pgbouncer", key))));
        Assert.DoesNotContain(pgbouncer.GetProperty("env").EnumerateObject(), v => v.Value.GetString()!.Contains("app-user-password", StringComparison.Ordinal)
            || v.Value.GetString()!.Contains("auditor-user-password", StringComparison.Ordinal));
        // The schema manager creates that role and its password lookup.
        Assert.Equal("{pgbouncer-auth-password.value}", Env("schema-manager", "Platform__PgBouncerAuthPassword"));

        // Secrets are parameters, never values.
        foreach (var secret in new[] { "postgres-password", "app-user-password", "auditor-user-password", "jwt-signing-key", "pgbouncer-auth-password" })
        {
            Assert.Equal("parameter.v0", Type(secret));
            Assert.True(manifest.GetProperty(secret).GetProperty("inputs").GetProperty("value").GetProperty("secret").GetBoolean(), secret);
        }

        Assert.Equal("{jwt-signing-key.value}", Env("posts-api", "Auth__SigningKey"));
        Assert.Equal("{jwt-signing-key.value}", Env("admin", "Auth__SigningKey"));

        // Every {resource.…} placeholder names a resource of the manifest.
        var names = manifest.EnumerateObject().Select(r => r.Name).ToHashSet(StringComparer.Ordinal);
        var referenced = Placeholder().Matches(manifest.GetRawText()).Select(m => m.Groups["name"].Value).ToHashSet(StringComparer.Ordinal);
        Assert.Equal([], referenced.Except(names).Order(StringComparer.Ordinal));

        string Env(string resource, string key) => manifest.GetProperty(resource).GetProperty("env").GetProperty(key).GetString()!;
    }

    private static async Task<JsonElement> PublishAsync()
    {
        var output = Directory.CreateTempSubdirectory("threadline-manifest-");
        try
        {
            var path = Path.Combine(output.FullName, "aspire-manifest.json");
            var start = new ProcessStartInfo("dotnet")
            {
                WorkingDirectory = RepositoryRoot(),
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (var argument in new[] { "run", "--project", "Threadline.AppHost", "--no-build", "--no-launch-profile", "--", "--publisher", "manifest", "--output-path", path })
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
            await process.WaitForExitAsync(timeout.Token);
            Assert.True(process.ExitCode == 0 && File.Exists(path), $"publish exited {process.ExitCode}: {await stdout}\n{await stderr}");
            return JsonDocument.Parse(await File.ReadAllTextAsync(path)).RootElement.Clone();
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Threadline.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Threadline.sln not found above the test's folder.");
    }

    [GeneratedRegex(@"\{(?<name>[a-z][a-z0-9-]*)\.(connectionString|bindings|value|inputs)")]
    private static partial Regex Placeholder();
}
