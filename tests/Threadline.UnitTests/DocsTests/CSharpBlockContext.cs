namespace Threadline.UnitTests.DocsTests;

/// <summary>
/// What a C# block of the docs may assume without showing it, so a short block can stay short: the usings of an
/// ASP.NET Core app with the Threadline packages, and the variables the docs' prose names (<c>direct</c>, <c>builder</c>,
/// <c>db</c>, ...). A block is the body of a method (<c>app</c>, the default; <c>apphost</c> for an Aspire AppHost's
/// Program.cs) or the members of a class (<c>migration</c>, an EF Core migration), chosen by
/// <c>&lt;!-- docs-test: csharp KIND --&gt;</c> above the fence. A block's own using lines are kept at the top.
/// </summary>
internal static class CSharpBlockContext
{
    public const string Default = "app";

    public static IReadOnlyCollection<string> Kinds => Templates.Keys;

    /// <summary>The compilation unit for a block: its usings, then the kind's wrapper with the body at its line in the doc.</summary>
    public static string Wrap(string kind, IEnumerable<string> usings, string body, string file, int line)
    {
        if (!Templates.TryGetValue(kind, out var template))
        {
            throw new ArgumentException($"No C# block context '{kind}'; known: {string.Join(", ", Kinds)}.", nameof(kind));
        }

        // #line maps the compiler's diagnostics onto the Markdown file.
        var located = $"#line {line} \"{file}\"\n{body}\n#line default";
        return string.Join('\n', usings) + "\n" + Usings + "\n" + template.Replace("/*BLOCK*/", located, StringComparison.Ordinal) + "\n" + Types;
    }

    private const string Usings = """
        using System;
        using System.Collections.Generic;
        using System.IO;
        using System.Linq;
        using System.Threading;
        using System.Threading.Tasks;
        using System.Text.Json.Nodes;
        using MassTransit;
        using Microsoft.AspNetCore.Builder;
        using Microsoft.EntityFrameworkCore;
        using Microsoft.EntityFrameworkCore.Migrations;
        using Microsoft.Extensions.Configuration;
        using Microsoft.Extensions.DependencyInjection;
        using Microsoft.Extensions.Hosting;
        using Npgsql;
        using OpenTelemetry.Metrics;
        using OpenTelemetry.Trace;
        using Threadline;
        using Threadline.AspNetCore;
        using Threadline.AspNetCore.AdminUi;
        using Threadline.Capture;
        using Threadline.EntityFrameworkCore;
        using Threadline.MassTransit;
        using Threadline.Npgsql;
        using Threadline.Operations;
        using Threadline.Query;
        using Threadline.Schema;
        """;

    private static readonly Dictionary<string, string> Templates = new(StringComparer.Ordinal)
    {
        [Default] = """
            internal static class DocBlock
            {
                private static WebApplicationBuilder builder = null!;
                private static IConfiguration configuration = null!;
                private static NpgsqlConnection direct = null!;
                private static NpgsqlDataSource dataSource = null!;
                private static NpgsqlTransaction tx = null!;
                private static IAuditContextAccessor accessor = null!;
                private static ShopDbContext db = null!;
                private static AuditReader reader = null!;
                private static DateTimeOffset at = DateTimeOffset.UtcNow;
                private static string directConnectionString = "", connectionString = "", correlationId = "";

                private static async Task RunAsync()
                {
            /*BLOCK*/
                }
            }
            """,
        ["apphost"] = """
            using Aspire.Hosting;
            using Aspire.Hosting.ApplicationModel;
            using Threadline.Hosting;

            internal static class DocBlock
            {
                private static IDistributedApplicationBuilder builder = null!;
                private static IResourceBuilder<ParameterResource> postgresPassword = null!, appPassword = null!;

                private static void Run()
                {
            /*BLOCK*/
                }
            }
            """,
        ["migration"] = """
            internal sealed class DocMigration : Migration
            {
            /*BLOCK*/
            }
            """,
    };

    /// <summary>The application types the docs' examples name.</summary>
    private const string Types = """
        internal sealed class ShopDbContext(DbContextOptions<ShopDbContext> options) : DbContext(options)
        {
            public DbSet<Product> Products => Set<Product>();
        }

        internal sealed class Product
        {
            public long Id { get; set; }
            public decimal Price { get; set; }
            public bool Discontinued { get; set; }
        }

        internal sealed class Invoice
        {
            public long Id { get; set; }
            public string CardNumber { get; set; } = "";
        }

        internal sealed record ShipOrder(long OrderId);

        internal sealed class ShipOrderConsumer : IConsumer<ShipOrder>
        {
            public Task Consume(ConsumeContext<ShipOrder> context) => Task.CompletedTask;
        }
        """;
}
