using Npgsql;
using Threadline.Capture;
using Threadline.IntegrationTests.Infrastructure;
using Threadline.Operations.Integrity;
using Threadline.Schema;

namespace Threadline.IntegrationTests.Operations;

/// <summary>A fresh install with one captured table and some audited history, for the seal and verify tests.</summary>
internal static class SealScenario
{
    /// <summary>Installs the schema, captures public.orders and writes <paramref name="transactions"/> transactions of three changes each.</summary>
    public static async Task<NpgsqlConnection> PrepareAsync(TemporaryDatabase database, int transactions = 5)
    {
        var db = await database.OpenAsync();
        await new SchemaInstaller().InstallAsync(db);
        await db.ExecAsync("CREATE TABLE public.orders (id int PRIMARY KEY, status text)");
        await new CaptureManager().EnableAsync(db, new TableCaptureOptions("orders"));
        await WriteAsync(db, 0, transactions);
        return db;
    }

    /// <summary>Each transaction inserts an order, updates it and inserts a second one: three changes.</summary>
    public static async Task WriteAsync(NpgsqlConnection db, int first, int transactions)
    {
        for (var i = first; i < first + transactions; i++)
        {
            await db.ExecAuditedAsync(new AuditContext(ActorRef.User($"seller-{i}")),
                $"INSERT INTO public.orders VALUES ({i * 2}, 'new')",
                $"UPDATE public.orders SET status = 'paid' WHERE id = {i * 2}",
                $"INSERT INTO public.orders VALUES ({(i * 2) + 1}, 'new')");
        }
    }

    public static Task<long> ScalarAsync(NpgsqlConnection db, string sql) => AuditRows.ScalarAsync<long>(db, sql);

    /// <summary>The findings as "Problem Kind Id" strings, sorted, for exact assertions.</summary>
    public static string[] Named(IntegrityReport report) =>
        report.Findings.Select(f => $"{f.Problem} {f.Kind} {f.Id}").Order(StringComparer.Ordinal).ToArray();
}
