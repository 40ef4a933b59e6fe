using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace Threadline.Hosting.Tests;

/// <summary>The package README's AppHost lines are this code, verbatim, and build the model they describe.</summary>
public sealed class PackageReadmeTests
{
    private const string SnippetStart = "// readme-start";
    private const string SnippetEnd = "// readme-end";

    [Fact]
    public void The_readme_quotes_the_snippet_verbatim()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "src", "Threadline.Hosting", "README.md"));

        Assert.Contains("```csharp\n" + Snippet() + "```", readme.Replace("\r\n", "\n", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public void The_readme_links_no_repository_address()
    {
        // The package is read on a registry, away from any checkout: an address guessed for the repository led nowhere (issue 25).
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "src", "Threadline.Hosting", "README.md"));

        Assert.DoesNotContain("github.com", readme, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("](http", readme, StringComparison.Ordinal);
    }

    [Fact]
    public void The_snippet_puts_a_transaction_pooler_in_front_of_Aspires_postgres_with_one_pooled_database()
    {
        var builder = DistributedApplication.CreateBuilder(new DistributedApplicationOptions
        {
            ProjectDirectory = AppContext.BaseDirectory,
            DisableDashboard = true,
        });

        var shopDb = Readme(builder);

        var pgbouncer = Assert.IsType<PgBouncerContainerResource>(shopDb.Resource.Parent);
        Assert.Equal((PgBouncerPoolMode.Transaction, 10), (pgbouncer.Settings.PoolMode, pgbouncer.Settings.PoolSize));
        Assert.Equal(("shop", "shop_app"), (shopDb.Resource.DatabaseName, shopDb.Resource.User));
        Assert.Equal(new PoolerBackend("postgres", 5432), pgbouncer.Settings.Backend);
        Assert.IsType<PostgresServerResource>(Assert.Single(builder.Resources, r => r.Name == "postgres"));
    }

    private static IResourceBuilder<PgBouncerDatabaseResource> Readme(IDistributedApplicationBuilder builder)
    {
        var appPassword = builder.AddParameter("app-password", secret: true);
        // readme-start
        var postgres = builder.AddPostgres("postgres");
        var shop = postgres.AddDatabase("shop");
        var pgbouncer = builder.AddPgBouncer("pgbouncer", postgres)          // edoburu/pgbouncer container, transaction pooling
            .WithPoolMode(PgBouncerPoolMode.Transaction).WithPoolSize(10);
        var shopDb = pgbouncer.AddPooledDatabase("shop-db", shop, "shop_app", appPassword);   // Username shop_app, No Reset On Close, Max Auto Prepare=0
        // readme-end
        return shopDb;
    }

    /// <summary>The lines between the markers in this file, dedented.</summary>
    private static string Snippet()
    {
        var lines = File.ReadAllLines(Path.Combine(RepositoryRoot(), "tests", "Threadline.Hosting.Tests", "PackageReadmeTests.cs"));
        var start = Array.FindIndex(lines, l => l.Trim() == SnippetStart);
        var end = Array.FindIndex(lines, l => l.Trim() == SnippetEnd);
        var body = lines[(start + 1)..end];
        var indent = body.Min(l => l.Length - l.TrimStart().Length);
        return string.Concat(body.Select(l => l[indent..] + "\n"));
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Threadline.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Threadline.sln not found above the test output.");
    }
}
