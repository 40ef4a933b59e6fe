using System.Text.Json;
using Threadline.IntegrationTests.Evidence;
using Xunit.Abstractions;

namespace Threadline.IntegrationTests.Packaging;

/// <summary>
/// The hosting package as an Aspire user gets it: <c>Threadline.Hosting</c> packed into a local feed, then a brand-new
/// AppHost outside the repository (the Aspire AppHost SDK, package references only) puts <c>AddPgBouncer</c> in front of
/// Aspire's <c>AddPostgres</c> with a pooled database and a service that references it. No container engine runs here,
/// so the proof is that it compiles and that its publish manifest describes PgBouncer, the pooled connection string and
/// the reference.
/// </summary>
public sealed class AspireAppHostProofTests(ITestOutputHelper output)
{
    /// <summary>Restores from the package feed on a busy 2-core machine: generous, one budget for the whole proof.</summary>
    private static readonly TimeSpan Budget = TimeSpan.FromMinutes(10);

    /// <summary>The AppHost an Aspire user writes: nothing of this repository but the package.</summary>
    private const string Program = """
        using Threadline.Hosting;

        var builder = DistributedApplication.CreateBuilder(args);
        var appPassword = builder.AddParameter("app-password", secret: true);
        var authPassword = builder.AddParameter("pgbouncer-auth-password", secret: true);

        var pg = builder.AddPostgres("pg");
        var shop = pg.AddDatabase("shop");
        var pgb = builder.AddPgBouncer("pgb", pg)
            .WithPoolSize(5)
            .WithAuthQuery("pgbouncer_auth", authPassword, "SELECT uname, phash FROM pgbouncer_auth.user_lookup($1)");
        var shopDb = pgb.AddPooledDatabase("shop-db", shop, "shop_app", appPassword);

        builder.AddContainer("shop-api", "example/shop-api")
            .WithReference(shopDb)
            .WaitFor(pgb);

        builder.Build().Run();
        """;

    [Fact]
    public async Task A_fresh_AppHost_from_the_packed_package_puts_AddPgBouncer_in_front_of_AddPostgres()
    {
        using var budget = new CancellationTokenSource(Budget);
        var ct = budget.Token;
        var root = EvidenceFiles.RepositoryRoot;
        // A version of its own per run, so no copy cached in the global packages folder by an earlier run is used.
        var version = LocalFeed.NewVersion("apphost-proof");
        var work = Directory.CreateTempSubdirectory("threadline-apphost-proof-");
        try
        {
            var feed = Directory.CreateDirectory(Path.Combine(work.FullName, "feed")).FullName;
            var pack = await RunAsync(["pack", Path.Combine(root, "src", "Threadline.Hosting", "Threadline.Hosting.csproj"), "-c", "Release", "-o", feed, $"-p:Version={version}", "-nologo"], root, ct);
            Assert.True(pack.ExitCode == 0, $"dotnet pack failed: {pack}");

            var app = Directory.CreateDirectory(Path.Combine(work.FullName, "ShopAppHost")).FullName;
            WriteAppHost(app, feed, version);
            var build = await RunAsync(["build", app, "-nologo"], app, ct);
            Assert.True(build.ExitCode == 0, $"the AppHost did not build: {build}");
            Assert.DoesNotContain(build.Out.Split('\n'), l => l.Contains(": warning ", StringComparison.Ordinal) && l.Contains("Threadline", StringComparison.Ordinal));

            var manifestPath = Path.Combine(work.FullName, "out", "aspire-manifest.json");
            var publish = await RunAsync(["run", "--project", app, "--no-build", "--", "--publisher", "manifest", "--output-path", manifestPath], app, ct);
            Assert.True(publish.ExitCode == 0 && File.Exists(manifestPath), $"publishing the manifest failed: {publish}");
            var resources = JsonDocument.Parse(await File.ReadAllTextAsync(manifestPath, ct)).RootElement.GetProperty("resources");

            // PgBouncer: the pinned image, configured by environment, forwarding to Aspire's PostgreSQL by its name.
            var pgb = resources.GetProperty("pgb");
            Assert.Equal(("container.v0", "docker.io/edoburu/pgbouncer:v1.24.1-p1"), (pgb.GetProperty("type").GetString(), pgb.GetProperty("image").GetString()));
            var env = pgb.GetProperty("env");
            Assert.Equal(
                [("DB_HOST", "pg"), ("DB_PORT", "5432"), ("DB_NAME", "shop"), ("DB_USER", "pgbouncer_auth"), ("DB_PASSWORD", "{pgbouncer-auth-password.value}"),
                 ("POOL_MODE", "transaction"), ("DEFAULT_POOL_SIZE", "5"), ("MAX_DB_CONNECTIONS", "5")],
                new[] { "DB_HOST", "DB_PORT", "DB_NAME", "DB_USER", "DB_PASSWORD", "POOL_MODE", "DEFAULT_POOL_SIZE", "MAX_DB_CONNECTIONS" }
                    .Select(key => (key, env.GetProperty(key).GetString())));
            Assert.Equal(5432, pgb.GetProperty("bindings").GetProperty("tcp").GetProperty("targetPort").GetInt32());

            // Aspire's own PostgreSQL and database, and the pooled database through PgBouncer that the service references.
            Assert.Equal("container.v0", resources.GetProperty("pg").GetProperty("type").GetString());
            Assert.Equal("{pg.connectionString};Database=shop", resources.GetProperty("shop").GetProperty("connectionString").GetString());
            Assert.Equal(
                "Host={pgb.bindings.tcp.host};Port={pgb.bindings.tcp.port};Database=shop;Username=shop_app;Password={app-password.value};No Reset On Close=true;Max Auto Prepare=0",
                resources.GetProperty("shop-db").GetProperty("connectionString").GetString());
            Assert.Equal("{shop-db.connectionString}", resources.GetProperty("shop-api").GetProperty("env").GetProperty("ConnectionStrings__shop-db").GetString());
        }
        finally
        {
            LocalFeed.ForgetCachedPackages(["Threadline.Hosting"], version);
            try
            {
                work.Delete(recursive: true);
            }
            catch (IOException)
            {
                // A temporary folder left behind is harmless.
            }
        }
    }

    private static void WriteAppHost(string app, string feed, string version)
    {
        LocalFeed.WriteNuGetConfig(app, feed);
        // Polly.Core and Nerdbank.MessagePack pinned as in any Aspire 13.6.5 AppHost, so Aspire's own ranges resolve without NU1603.
        File.WriteAllText(Path.Combine(app, "ShopAppHost.csproj"), $"""
            <Project Sdk="Aspire.AppHost.Sdk/13.6.4">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
                <UserSecretsId>shop-apphost-proof</UserSecretsId>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Aspire.Hosting.AppHost" Version="13.6.5" />
                <PackageReference Include="Aspire.Hosting.PostgreSQL" Version="13.6.5" />
                <PackageReference Include="Threadline.Hosting" Version="{version}" />
                <PackageReference Include="Polly.Core" Version="8.8.0" />
                <PackageReference Include="Nerdbank.MessagePack" Version="1.3.88" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(app, "Program.cs"), Program);
    }

    private Task<ProcessResult> RunAsync(IReadOnlyList<string> args, string workingDirectory, CancellationToken cancellationToken) =>
        PackagingProcess.RunAsync("dotnet", args, workingDirectory, output, Budget, cancellationToken);
}
