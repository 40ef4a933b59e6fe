using System.IO.Compression;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text.Json;
using System.Xml.Linq;
using Npgsql;
using Threadline.Capture;
using Threadline.IntegrationTests.Evidence;
using Threadline.IntegrationTests.Infrastructure;
using Threadline.Schema;
using Xunit.Abstractions;

namespace Threadline.IntegrationTests.Packaging;

/// <summary>
/// The packages as a consumer gets them: <c>dotnet pack Threadline.sln</c> produces exactly the published set (each with
/// its README, licence expression, XML docs and symbols, the core one with every schema migration embedded), then a brand-new
/// console app outside the repository, with package references only, installs the schema, enables capture and writes a
/// row through PgBouncer with the EF Core bridge, and reads the actor back; a brand-new web app compiles the packaged
/// investigation API and admin UI mapping; the packaged CLI tool reports the schema version.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class ConsumerProofTests(DatabaseFixture platform, ITestOutputHelper output)
{
    /// <summary>Everything that is published, and nothing else.</summary>
    private static string[] PackageIds => LocalFeed.PackageIds;

    /// <summary>Restores from nuget.org on a busy 2-core machine: generous, one budget for the whole proof.</summary>
    private static readonly TimeSpan Budget = TimeSpan.FromMinutes(20);

    [Fact]
    public async Task The_packed_packages_install_into_a_fresh_console_app_that_audits_an_EF_Core_write_through_PgBouncer()
    {
        using var budget = new CancellationTokenSource(Budget);
        var ct = budget.Token;
        var root = EvidenceFiles.RepositoryRoot;
        var work = Directory.CreateTempSubdirectory("threadline-consumer-proof-");
        var table = $"consumer_widgets_{Guid.NewGuid():N}"[..30];
        var actor = $"consumer-proof-{Guid.NewGuid():N}"[..26];
        await using var fresh = await TemporaryDatabase.CreateAsync(platform, "consumer");
        try
        {
            // 1. Pack the whole solution: only the published projects may produce a package, without a warning.
            // A version of its own per run, so no copy cached in the global packages folder by an earlier run is used.
            var (feed, version, pack) = await LocalFeed.PackOnceAsync(RunAsync, ct);
            Assert.True(pack.ExitCode == 0, $"dotnet pack failed: {pack}");
            Assert.DoesNotContain(pack.Out.Split('\n'), l => l.Contains(": warning ", StringComparison.Ordinal));
            var expected = PackageIds.SelectMany(id => new[] { $"{id}.{version}.nupkg", $"{id}.{version}.snupkg" }).Order(StringComparer.Ordinal).ToArray();
            Assert.Equal(expected, Directory.EnumerateFiles(feed).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToArray());
            foreach (var id in PackageIds)
            {
                AssertPackageContent(root, feed, id, version);
            }

            // 2. A consumer that knows nothing of this repository: package references by version, a nuget.config of its own.
            var app = Path.Combine(work.FullName, "consumer");
            var created = await RunAsync("dotnet", ["new", "console", "-o", app, "-n", "ConsumerProof", "--framework", "net10.0"], work.FullName, ct);
            Assert.True(created.ExitCode == 0, $"dotnet new console failed: {created}");
            WriteConsumer(app, feed, version);
            var appRole = new NpgsqlConnectionStringBuilder(platform.AppConnectionString).Username!;
            var platformDirect = new NpgsqlConnectionStringBuilder(platform.DirectConnectionString) { Pooling = false }.ConnectionString;
            var run = await RunAsync("dotnet", ["run", "--project", app, "--", fresh.ConnectionString, platformDirect, platform.AppConnectionString, platform.AuditorConnectionString, table, appRole, actor], app, ct);
            Assert.True(run.ExitCode == 0, $"the consumer app failed: {run}");
            output.WriteLine(run.Out.Trim());
            Assert.Contains($"installed: version {SchemaInstaller.LatestVersion}", run.Out, StringComparison.Ordinal);
            Assert.Contains($"history: insert user:{actor} source=consumer-proof", run.Out, StringComparison.Ordinal);

            // 2b. A fresh web app maps the packaged investigation API and admin UI with the public API alone.
            var web = Path.Combine(work.FullName, "web-consumer");
            var createdWeb = await RunAsync("dotnet", ["new", "web", "-o", web, "-n", "WebConsumerProof", "--framework", "net10.0"], work.FullName, ct);
            Assert.True(createdWeb.ExitCode == 0, $"dotnet new web failed: {createdWeb}");
            WriteWebConsumer(web, feed, version);
            var built = await RunAsync("dotnet", ["build", web, "-nologo"], web, ct);
            Assert.True(built.ExitCode == 0, $"the web consumer did not compile against the packages: {built}");
            // Built against the packages of this run, not against anything else that happens to be around.
            var assets = File.ReadAllText(Path.Combine(web, "obj", "project.assets.json"));
            Assert.Contains($"\"Threadline.AspNetCore.AdminUi/{version}\"", assets, StringComparison.Ordinal);
            Assert.Contains($"\"Threadline.AspNetCore/{version}\"", assets, StringComparison.Ordinal);

            // 3. The packaged tool: installed from the feed, it reads the schema the consumer installed.
            var tools = Path.Combine(work.FullName, "tools");
            var install = await RunAsync("dotnet", ["tool", "install", "--tool-path", tools, "Threadline.Cli", "--add-source", feed, "--version", version], work.FullName, ct);
            Assert.True(install.ExitCode == 0, $"dotnet tool install failed: {install}");
            var printed = await RunAsync(Path.Combine(tools, "threadline"), ["--version"], work.FullName, ct);
            Assert.Equal(version, printed.Out.Trim());
            var schema = await RunAsync(Path.Combine(tools, "threadline"), ["schema", "version", "--json", "--connection", fresh.ConnectionString], work.FullName, ct);
            Assert.True(schema.ExitCode == 0, $"threadline schema version failed: {schema}");
            var json = JsonDocument.Parse(schema.Out).RootElement;
            Assert.Equal((SchemaInstaller.LatestVersion, SchemaInstaller.LatestVersion, true),
                (json.GetProperty("installedVersion").GetInt32(), json.GetProperty("latestVersion").GetInt32(), json.GetProperty("upToDate").GetBoolean()));
        }
        finally
        {
            await DropConsumerTableAsync(table);
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

    private static void AssertPackageContent(string root, string feed, string id, string version)
    {
        using var package = ZipFile.OpenRead(Path.Combine(feed, $"{id}.{version}.nupkg"));
        var entries = package.Entries.Select(e => e.FullName).ToList();
        var nuspec = XDocument.Load(package.GetEntry($"{id}.nuspec")!.Open());
        string? Meta(string name) => nuspec.Descendants().FirstOrDefault(e => e.Name.LocalName == name)?.Value;
        var license = nuspec.Descendants().Single(e => e.Name.LocalName == "license");

        Assert.Equal((id, version), (Meta("id"), Meta("version")));
        Assert.Equal(("expression", "MIT"), (license.Attribute("type")?.Value, license.Value));
        Assert.Equal("README.md", Meta("readme"));
        Assert.Contains("README.md", entries);
        Assert.False(string.IsNullOrWhiteSpace(Meta("description")), $"{id}: no description");
        Assert.False(string.IsNullOrWhiteSpace(Meta("tags")), $"{id}: no tags");
        // The repository URL is the one GitHub Actions names (GITHUB_SERVER_URL/GITHUB_REPOSITORY, which dotnet pack
        // inherits); without it none at all, never a made-up one (issue 29).
        var server = Environment.GetEnvironmentVariable("GITHUB_SERVER_URL");
        var repository = Environment.GetEnvironmentVariable("GITHUB_REPOSITORY");
        var expectedUrl = string.IsNullOrEmpty(server) || string.IsNullOrEmpty(repository) ? null : $"{server}/{repository}";
        Assert.Equal(expectedUrl, nuspec.Descendants().SingleOrDefault(e => e.Name.LocalName == "repository")?.Attribute("url")?.Value);
        Assert.Equal(expectedUrl, Meta("projectUrl"));

        var folder = id == "Threadline.Cli" ? "tools/net10.0/any/" : "lib/net10.0/";
        Assert.Contains($"{folder}{id}.dll", entries);
        Assert.Contains($"{folder}{id}.xml", entries);
        string[] forbidden = ["Platform", "Tests", "AppHost", "ServiceDefaults", "Benchmarks", "EvidenceMatrix", "xunit"];
        var strays = entries.Where(e => e.EndsWith(".dll", StringComparison.Ordinal) && forbidden.Any(f => e.Contains(f, StringComparison.OrdinalIgnoreCase))).ToList();
        Assert.True(strays.Count == 0, $"{id} ships test or sample assemblies: {string.Join(", ", strays)}");
        if (id == "Threadline.AspNetCore.AdminUi")
        {
            // The Razor class library: pages compiled into its assembly, the stylesheet as a static web asset served at /ui.
            Assert.Contains("staticwebassets/admin-ui.css", entries);
            Assert.DoesNotContain(entries, e => e.EndsWith(".cshtml", StringComparison.Ordinal));
        }

        if (id is "Threadline.EntityFrameworkCore" or "Threadline.AspNetCore" or "Threadline.AspNetCore.AdminUi" or "Threadline.MassTransit")
        {
            // The bridges build on the core package of the same version (the tool carries the core assembly inside).
            Assert.Contains(nuspec.Descendants(), e => e.Name.LocalName == "dependency" && e.Attribute("id")?.Value == "Threadline" && e.Attribute("version")?.Value == version);
        }

        using (var symbols = ZipFile.OpenRead(Path.Combine(feed, $"{id}.{version}.snupkg")))
        {
            Assert.Contains(symbols.Entries, e => e.FullName == $"{folder}{id}.pdb");
        }

        if (id == "Threadline")
        {
            Assert.Contains($"V{SchemaInstaller.LatestVersion:000}", Meta("description"), StringComparison.Ordinal);
            using var assembly = new MemoryStream();
            package.GetEntry("lib/net10.0/Threadline.dll")!.Open().CopyTo(assembly);
            assembly.Position = 0;
            using var pe = new PEReader(assembly);
            var metadata = pe.GetMetadataReader();
            var resources = metadata.ManifestResources.Select(h => metadata.GetString(metadata.GetManifestResource(h).Name)).ToList();
            var migrations = Directory.EnumerateFiles(Path.Combine(root, "src", "Threadline", "Sql"), "V*.sql").Select(f => Path.GetFileName(f)).ToList();
            Assert.Equal(SchemaInstaller.Migrations.Count, migrations.Count);
            Assert.All(migrations, m => Assert.Contains(resources, r => r.EndsWith("." + m, StringComparison.Ordinal)));
            // Every function file and the order they are applied in ship too.
            var functions = Directory.EnumerateFiles(Path.Combine(root, "src", "Threadline", "Sql", "Functions")).Select(f => Path.GetFileName(f)).ToList();
            Assert.Equal(SchemaInstaller.Functions.Count + 1, functions.Count);
            Assert.All(functions, f => Assert.Contains(resources, r => r == "Threadline.Sql.Functions." + f));
        }
    }

    private static void WriteConsumer(string app, string feed, string version)
    {
        LocalFeed.WriteNuGetConfig(app, feed);
        var project = Path.Combine(app, "ConsumerProof.csproj");
        File.WriteAllText(project, File.ReadAllText(project).Replace("</Project>", $"""
              <ItemGroup>
                <PackageReference Include="Threadline" Version="{version}" />
                <PackageReference Include="Threadline.EntityFrameworkCore" Version="{version}" />
                <PackageReference Include="Npgsql.EntityFrameworkCore.PostgreSQL" Version="10.0.3" />
              </ItemGroup>
            </Project>
            """, StringComparison.Ordinal));
        File.WriteAllText(Path.Combine(app, "Program.cs"), """
            using System.Text.Json.Nodes;
            using Microsoft.EntityFrameworkCore;
            using Npgsql;
            using Threadline;
            using Threadline.Capture;
            using Threadline.EntityFrameworkCore;
            using Threadline.Query;
            using Threadline.Schema;

            // args: fresh database (direct), platform database (direct), through PgBouncer as the app role, through PgBouncer
            // as the auditor, table, app role, actor id.
            var (fresh, direct, pooled, auditor, table, appRole, actorId) = (args[0], args[1], args[2], args[3], args[4], args[5], args[6]);

            // The schema from the package's embedded migrations, on a database that never had it.
            await using (var db = new NpgsqlConnection(fresh))
            {
                await db.OpenAsync();
                var installed = await new SchemaInstaller().InstallAsync(db);
                Console.WriteLine($"installed: version {installed.CurrentVersion} (applied {string.Join(", ", installed.Applied)})");
            }

            // DDL on a direct connection to the pooled database: a table of our own, captured, writable by the app role.
            await using (var db = new NpgsqlConnection(direct))
            {
                await db.OpenAsync();
                await new SchemaInstaller().InstallAsync(db);
                await using (var create = new NpgsqlCommand($"CREATE TABLE public.{table} (id integer PRIMARY KEY, name text NOT NULL); GRANT SELECT, INSERT, UPDATE ON public.{table} TO {appRole}", db))
                {
                    await create.ExecuteNonQueryAsync();
                }

                await new CaptureManager().EnableAsync(db, new TableCaptureOptions(table) { RequireActor = true });
            }

            // One write through PgBouncer (transaction pooling) as the app role, attributed by the EF Core bridge.
            var accessor = new AuditContextAccessor();
            var options = new DbContextOptionsBuilder<WidgetContext>().UseNpgsql(pooled).UseThreadline(accessor).Options;
            using (accessor.Begin(new AuditContext(ActorRef.User(actorId)) { Source = "consumer-proof" }))
            await using (var widgets = new WidgetContext(options, table))
            {
                widgets.Widgets.Add(new Widget { Id = 1, Name = "first" });
                await widgets.SaveChangesAsync();
            }

            // The row's history, read back through PgBouncer as the auditor.
            await using var reader = NpgsqlDataSource.Create(auditor);
            var history = await new AuditReader(reader).GetRowHistoryAsync("public", table, new JsonObject { ["id"] = 1 });
            foreach (var entry in history.Items)
            {
                Console.WriteLine($"history: {entry.Op} {entry.ActorType}:{entry.ActorId} source={entry.Source} {entry.DataAfter}");
            }

            sealed class Widget
            {
                public int Id { get; set; }
                public string Name { get; set; } = "";
            }

            sealed class WidgetContext(DbContextOptions options, string table) : DbContext(options)
            {
                public DbSet<Widget> Widgets => Set<Widget>();

                protected override void OnModelCreating(ModelBuilder model) => model.Entity<Widget>(widget =>
                {
                    widget.ToTable(table);
                    widget.Property(w => w.Id).HasColumnName("id").ValueGeneratedNever();
                    widget.Property(w => w.Name).HasColumnName("name");
                });
            }
            """);
    }

    private static void WriteWebConsumer(string app, string feed, string version)
    {
        LocalFeed.WriteNuGetConfig(app, feed);
        var project = Path.Combine(app, "WebConsumerProof.csproj");
        File.WriteAllText(project, File.ReadAllText(project).Replace("</Project>", $"""
              <ItemGroup>
                <PackageReference Include="Threadline.AspNetCore" Version="{version}" />
                <PackageReference Include="Threadline.AspNetCore.AdminUi" Version="{version}" />
              </ItemGroup>
            </Project>
            """, StringComparison.Ordinal));
        File.WriteAllText(Path.Combine(app, "Program.cs"), """
            using Npgsql;
            using Threadline.AspNetCore;
            using Threadline.AspNetCore.AdminUi;

            var builder = WebApplication.CreateBuilder(args);
            builder.Services.AddAuthentication().AddJwtBearer();
            builder.Services.AddAuthorizationBuilder().AddPolicy("auditor", policy => policy.RequireRole("auditor"));
            builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(builder.Configuration.GetConnectionString("audit")!));
            builder.Services.AddThreadlineInvestigation(o => o.TraceUrl = traceId => $"https://traces.example/{traceId}");
            builder.Services.AddThreadlineAdminUi("auditor", ui => ui.LoginHint = "Ask the on-call engineer for an auditor token.");

            var app = builder.Build();
            app.UseExceptionHandler("/error");
            app.UseThreadlineAdminUi();
            app.UseAuthentication();
            app.UseAuthorization();
            app.MapThreadlineInvestigation("auditor").WithGroupName("audit");
            app.MapThreadlineAdminUi();
            app.Run();
            """);
    }

    /// <summary>Leaves the shared fixture database as it was: capture off, the table gone (its audit rows stay, append-only).</summary>
    private async Task DropConsumerTableAsync(string table)
    {
        await using var db = await platform.OpenDirectAsync();
        if (await new CaptureManager().ListAsync(db) is var captured && captured.Any(t => t.Table == table))
        {
            await new CaptureManager().DisableAsync(db, "public", table);
        }

        await using var drop = new NpgsqlCommand($"DROP TABLE IF EXISTS public.{SqlIdentifier.Quote(table)}", db);
        await drop.ExecuteNonQueryAsync();
    }

    private Task<ProcessResult> RunAsync(string fileName, IReadOnlyList<string> args, string workingDirectory, CancellationToken cancellationToken) =>
        PackagingProcess.RunAsync(fileName, args, workingDirectory, output, Budget, cancellationToken);
}
