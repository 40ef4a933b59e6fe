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
    public void The_snippet_builds_postgres_behind_a_transaction_pooler_with_one_pooled_database()
    {
        var builder = DistributedApplication.CreateBuilder(new DistributedApplicationOptions
        {
            Args = [$"--{RuntimeSelector.ConfigurationKey}=container"],
            ProjectDirectory = AppContext.BaseDirectory,
            DisableDashboard = true,
        });

        var shopDb = Readme(builder);

        var pgbouncer = Assert.IsType<PgBouncerContainerResource>(shopDb.Resource.Parent);
        Assert.Equal((PgBouncerPoolMode.Transaction, 10, "shop"), (pgbouncer.Settings.PoolMode, pgbouncer.Settings.PoolSize, pgbouncer.Settings.DatabaseName));
        Assert.Equal("shop_app", shopDb.Resource.User);
        Assert.Contains(builder.Resources, r => r.Name == "shop-direct");
    }

    private static IResourceBuilder<PgBouncerDatabaseResource> Readme(IDistributedApplicationBuilder builder)
    {
        var postgresPassword = builder.AddParameter("postgres-password", secret: true);
        var appPassword = builder.AddParameter("app-password", secret: true);
        // readme-start
        var runtime = InfrastructureRuntime.Create(builder);   // Threadline:Runtime = auto | container | local
        var postgres = runtime.AddThreadlinePostgres("postgres", "shop", postgresPassword);
        var pgbouncer = runtime.AddPgBouncer("pgbouncer", postgres, Path.Combine(builder.AppHostDirectory, "pgbouncer.ini"))
            .WithPoolMode(PgBouncerPoolMode.Transaction).WithPoolSize(10);
        var shopDb = pgbouncer.AddPooledDatabase("shop-db", "shop_app", appPassword);   // Username shop_app, No Reset On Close, Max Auto Prepare=0
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
