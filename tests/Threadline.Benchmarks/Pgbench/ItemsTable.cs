using Npgsql;

namespace Threadline.Benchmarks.Pgbench;

/// <summary>The one table every variant writes: 100,000 seeded rows in a template database that each variant copies.</summary>
public static class ItemsTable
{
    public const string Name = "items";
    public const string TemplateDatabase = "bench_template";
    public const int SeedRows = 100_000;

    /// <summary>The audit context every benchmark transaction sets, as the Threadline bridges would.</summary>
    public const string ContextJson = """{"actor":{"type":"user","id":"42"}}""";

    /// <summary>
    /// The bridges' statement (context and its transaction stamp) with the context as a literal: what every pgbench
    /// transaction sends, for every variant, so that the baseline pays for setting the context too.
    /// </summary>
    public static readonly string SetContextSql = Threadline.Npgsql.NpgsqlAuditExtensions.SetContextSql.Replace("$1", $"'{ContextJson}'", StringComparison.Ordinal);
    /// <summary>The table alone, empty: the frozen capture script (threadline-v005.sql) attaches its triggers to it.</summary>
    public const string CreateTableSql =
        "CREATE TABLE items(id bigserial PRIMARY KEY, name text, qty int, price numeric(10,2), tags text[], meta jsonb, updated_at timestamptz);";

    private static readonly string CreateSql = $"""
        {CreateTableSql}
        SELECT setseed(0.42);
        INSERT INTO items(name,qty,price,tags,meta,updated_at)
        SELECT 'item-'||g, g%1000, round((random()*1000)::numeric,2), ARRAY['tag'||(g%10),'tag'||(g%7)],
               jsonb_build_object('color',(ARRAY['red','green','blue'])[1+g%3],'weight',g%50,'sku','SKU-'||g),
               now()-(g||' seconds')::interval
        FROM generate_series(1,{SeedRows}) g;
        """;

    public static async Task CreateTemplateAsync(LocalCluster cluster, CancellationToken cancellationToken)
    {
        await using (var admin = await Sql.OpenAsync(cluster.DirectConnectionString("postgres"), cancellationToken))
        {
            await Sql.ExecuteAsync(admin, $"CREATE DATABASE {TemplateDatabase}", cancellationToken);
        }

        await using var template = await Sql.OpenAsync(cluster.DirectConnectionString(TemplateDatabase), cancellationToken);
        await Sql.ExecuteAsync(template, CreateSql, cancellationToken);
        await Sql.ExecuteAsync(template, "VACUUM ANALYZE items", cancellationToken);
    }

    /// <summary>A fresh copy of the template with the variant installed; returns its name.</summary>
    public static async Task<string> CreateVariantDatabaseAsync(LocalCluster cluster, PgbenchVariant variant, string prefix, CancellationToken cancellationToken)
    {
        var database = variant.Database(prefix);
        await using (var admin = await Sql.OpenAsync(cluster.DirectConnectionString("postgres"), cancellationToken))
        {
            await Sql.ExecuteAsync(admin, $"CREATE DATABASE {database} TEMPLATE {TemplateDatabase}", cancellationToken);
        }

        await using var connection = await Sql.OpenAsync(cluster.DirectConnectionString(database), cancellationToken);
        await variant.SetupAsync(connection, cancellationToken);
        await Sql.ExecuteAsync(connection, "VACUUM ANALYZE", cancellationToken);
        return database;
    }

    public static async Task DropDatabaseAsync(LocalCluster cluster, string database, CancellationToken cancellationToken)
    {
        await using var admin = await Sql.OpenAsync(cluster.DirectConnectionString("postgres"), cancellationToken);
        await Sql.ExecuteAsync(admin, $"DROP DATABASE {database} WITH (FORCE)", cancellationToken);
    }

    /// <summary>One audited transaction: BEGIN, the context, the statement, COMMIT, like the pgbench scripts. Returns rows affected.</summary>
    public static async Task<int> WriteWithContextAsync(NpgsqlConnection connection, string statement, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await Sql.ExecuteAsync(connection, SetContextSql, cancellationToken, transaction);
        var rows = await Sql.ExecuteAsync(connection, statement, cancellationToken, transaction);
        await transaction.CommitAsync(cancellationToken);
        return rows;
    }
}
