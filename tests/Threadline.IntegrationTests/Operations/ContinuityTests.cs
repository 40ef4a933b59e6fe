using System.Text.Json.Nodes;
using Npgsql;
using Threadline.Capture;
using Threadline.IntegrationTests.Infrastructure;
using Threadline.Operations;
using Threadline.Query;

namespace Threadline.IntegrationTests.Operations;

/// <summary>Adopting capture on tables that already hold data: readiness, baselines, and point-in-time answers from day one.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class ContinuityTests(DatabaseFixture platform)
{
    [Fact]
    public async Task A_baseline_makes_point_in_time_answers_work_from_the_cutover_and_is_never_someones_change()
    {
        await using var db = await platform.OpenDirectAsync();
        var table = await db.CreateTableAsync("brownfield", "(id int PRIMARY KEY, name text, ssn text)");
        await db.ExecAsync($"INSERT INTO public.{table} SELECT g, 'row ' || g, 'ssn-secret-' || g FROM generate_series(1, 3) g");
        var options = new TableCaptureOptions(table) { Mask = ["ssn"] };
        var continuity = new ContinuityManager();

        var ready = await continuity.CheckAsync(db, options);
        var result = await continuity.EnableAsync(db, options, baseline: true);
        await db.ExecAuditedAsync(new AuditContext(ActorRef.User("editor")), $"UPDATE public.{table} SET name = 'renamed' WHERE id = 2");
        var again = await continuity.CheckAsync(db, options);

        Assert.True(ready.Ready, string.Join(" ", ready.Problems));
        Assert.Equal(["id"], ready.KeyColumns);
        Assert.Equal(3L, result.BaselineRows);
        Assert.False(again.Ready);
        Assert.Contains("already captured", Assert.Single(again.Problems), StringComparison.Ordinal);
        await Assert.ThrowsAsync<CaptureException>(() => continuity.EnableAsync(db, options, baseline: true));

        await using var source = NpgsqlDataSource.Create(platform.DirectConnectionString);
        var reader = new AuditReader(source);
        var baselineAt = (await reader.GetTransactionAsync(result.TransactionId!.Value))!;
        Assert.Equal(("system", "threadline-baseline", "baseline"), (baselineAt.ActorType, baselineAt.ActorId, baselineAt.Source));
        var state = await reader.GetStateAsOfAsync("public", table, new JsonObject { ["id"] = 1 }, DateTimeOffset.UtcNow);
        Assert.Equal(RowStateKind.Exists, state.State);
        Assert.Equal(("row 1", "[REDACTED]"), (state.Data!.Value.GetProperty("name").GetString(), state.Data.Value.GetProperty("ssn").GetString()));
        var history = await reader.GetRowHistoryAsync("public", table, new JsonObject { ["id"] = 2 });
        Assert.Equal(["baseline", "update"], history.Items.Select(i => i.Op));
        var realChanges = await reader.QueryAsync(new AuditFilter { Table = table, Operations = ["insert", "update", "delete"] });
        Assert.Equal("editor", Assert.Single(realChanges.Items).ActorId);
        Assert.Equal(0L, await AuditRows.ScalarAsync<long>(db,
            "SELECT count(*) FROM threadline.change_log WHERE table_name = $1 AND (data_after::text LIKE '%ssn-secret%' OR data_before::text LIKE '%ssn-secret%')", table));
    }

    [Fact]
    public async Task Readiness_names_what_blocks_adoption()
    {
        await using var db = await platform.OpenDirectAsync();
        var table = await db.CreateTableAsync("keyless", "(v text)");
        await db.ExecAsync($"CREATE FUNCTION public.{table}_noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$");
        await db.ExecAsync($"CREATE TRIGGER legacy_stamp BEFORE INSERT ON public.{table} FOR EACH ROW EXECUTE FUNCTION public.{table}_noop()");

        var report = await new ContinuityManager().CheckAsync(db, new TableCaptureOptions(table));
        var missing = await new ContinuityManager().CheckAsync(db, new TableCaptureOptions(table + "_gone"));

        Assert.False(report.Ready);
        Assert.Contains("has no primary key", Assert.Single(report.Problems), StringComparison.Ordinal);
        Assert.Equal(["legacy_stamp"], report.OtherTriggers);
        Assert.Contains("does not exist", Assert.Single(missing.Problems), StringComparison.Ordinal);
        await Assert.ThrowsAsync<CaptureException>(() => new ContinuityManager().EnableAsync(db, new TableCaptureOptions(table), baseline: true));
    }

    [Fact]
    public async Task Without_a_baseline_a_pre_existing_rows_first_change_still_reveals_its_earlier_state()
    {
        await using var db = await platform.OpenDirectAsync();
        var table = await db.CreateTableAsync("nobaseline", "(id int PRIMARY KEY, v text, w text)");
        await db.ExecAsync($"INSERT INTO public.{table} VALUES (1, 'old', 'same'), (2, 'doomed', 'x')");
        await new CaptureManager().EnableAsync(db, new TableCaptureOptions(table));
        var before = new DateTimeOffset(DateTime.SpecifyKind(await AuditRows.ScalarAsync<DateTime>(db, "SELECT clock_timestamp()"), DateTimeKind.Utc));
        await db.ExecAuditedAsync(new AuditContext(ActorRef.User("late-editor")), $"UPDATE public.{table} SET v = 'new' WHERE id = 1", $"DELETE FROM public.{table} WHERE id = 2");

        await using var source = NpgsqlDataSource.Create(platform.DirectConnectionString);
        var reader = new AuditReader(source);
        var updated = await reader.GetStateAsOfAsync("public", table, new JsonObject { ["id"] = 1 }, before);
        var deleted = await reader.GetStateAsOfAsync("public", table, new JsonObject { ["id"] = 2 }, before);

        Assert.Equal((RowStateKind.Exists, "old", "same"), (updated.State, updated.Data!.Value.GetProperty("v").GetString(), updated.Data.Value.GetProperty("w").GetString()));
        Assert.Equal((RowStateKind.Exists, "doomed"), (deleted.State, deleted.Data!.Value.GetProperty("v").GetString()));
    }
}
