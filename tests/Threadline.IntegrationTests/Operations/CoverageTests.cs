using Microsoft.Extensions.Diagnostics.HealthChecks;
using Threadline.AspNetCore;
using Threadline.Capture;
using Threadline.IntegrationTests.Infrastructure;
using Threadline.Operations;
using Threadline.Schema;

namespace Threadline.IntegrationTests.Operations;

/// <summary>Every coverage finding, produced by really breaking capture on a fresh database.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class CoverageTests(DatabaseFixture platform)
{
    [Fact]
    public async Task Each_way_capture_can_be_missing_or_wrong_is_reported_by_name()
    {
        await using var database = await TemporaryDatabase.CreateAsync(platform, "coverage");
        await using var db = await database.OpenAsync();
        await new SchemaInstaller().InstallAsync(db);
        string[] names = ["covered", "uncovered", "excused", "disabled", "missing_trigger", "stale", "duplicated", "unregistered", "dropped", "other"];
        foreach (var name in names)
        {
            await db.ExecAsync($"CREATE TABLE public.{name} (id int PRIMARY KEY)");
        }

        var capture = new CaptureManager();
        await capture.ApplyAsync(db, names.Except(["uncovered", "excused"]).Select(n => new TableCaptureOptions(n)));
        var function = (await capture.ListAsync(db)).ToDictionary(t => t.Table, t => t.FunctionName);
        await db.ExecAsync($"""
            ALTER TABLE public.disabled DISABLE TRIGGER {CaptureSqlGenerator.DeleteTrigger};
            DROP TRIGGER {CaptureSqlGenerator.TruncateTrigger} ON public.missing_trigger;
            DROP TRIGGER {CaptureSqlGenerator.InsertTrigger} ON public.stale;
            CREATE TRIGGER {CaptureSqlGenerator.InsertTrigger} AFTER INSERT ON public.stale REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION threadline.{function["other"]}();
            CREATE TRIGGER copied_capture AFTER INSERT ON public.duplicated REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION threadline.{function["duplicated"]}();
            DELETE FROM threadline.captured_tables WHERE table_name = 'unregistered';
            DROP TABLE public.dropped;
            """);
        var expectation = new CoverageExpectation
        {
            RequiredSchemas = ["public"],
            ExpectedUncovered = new Dictionary<string, string> { ["public.excused"] = "scratch data, rebuilt nightly" },
        };

        // As an application role: coverage needs no access to audit rows.
        await db.ExecAsync("SET ROLE threadline_writer");
        var report = await new CoverageChecker().CheckAsync(db, expectation);

        var byTable = report.Findings.ToLookup(f => f.Table, f => f.Status);
        Assert.Equal([CoverageStatus.Covered], byTable["public.covered"]);
        Assert.Equal([CoverageStatus.Covered], byTable["public.other"]);
        Assert.Equal([CoverageStatus.Uncovered], byTable["public.uncovered"]);
        Assert.Equal([CoverageStatus.ExpectedUncovered], byTable["public.excused"]);
        Assert.Equal([CoverageStatus.TriggerDisabled], byTable["public.disabled"]);
        Assert.Equal([CoverageStatus.TriggerMissing], byTable["public.missing_trigger"]);
        Assert.Equal([CoverageStatus.StaleFunction], byTable["public.stale"]);
        Assert.Equal([CoverageStatus.DuplicateTrigger], byTable["public.duplicated"]);
        Assert.Equal([CoverageStatus.UnregisteredTriggers], byTable["public.unregistered"]);
        Assert.Equal([CoverageStatus.MissingTable], byTable["public.dropped"]);
        Assert.Equal("scratch data, rebuilt nightly", report.Findings.Single(f => f.Table == "public.excused").Detail);
        Assert.False(report.RequiredHealthy);

        var narrow = await new CoverageChecker().CheckAsync(db, new CoverageExpectation { Required = ["public.covered", "public.other"] });
        Assert.True(narrow.RequiredHealthy);
        Assert.False(narrow.Healthy);
    }

    [Fact]
    public async Task The_health_check_is_unhealthy_only_for_required_tables_and_degraded_for_the_rest()
    {
        await using var db = await platform.OpenDirectAsync();
        var broken = await db.CreateTableAsync("health", "(id int PRIMARY KEY)");
        await new CaptureManager().EnableAsync(db, new TableCaptureOptions(broken));
        await db.ExecAsync($"ALTER TABLE public.{broken} DISABLE TRIGGER {CaptureSqlGenerator.InsertTrigger}");
        var context = new HealthCheckContext { Registration = new HealthCheckRegistration("threadline-coverage", _ => null!, null, null) };

        async Task<HealthCheckResult> CheckAsync(params string[] required) =>
            await new ThreadlineCoverageHealthCheck(() => platform.AppConnectionString, new CoverageExpectation { Required = required }, TimeSpan.Zero).CheckHealthAsync(context);

        var postsOnly = await CheckAsync("public.posts");
        var brokenRequired = await CheckAsync("public.posts", $"public.{broken}");
        var missing = await CheckAsync("public.no_such_table");

        Assert.Equal(HealthStatus.Degraded, postsOnly.Status);
        Assert.Equal(HealthStatus.Unhealthy, brokenRequired.Status);
        Assert.Contains($"public.{broken}: TriggerDisabled", brokenRequired.Description, StringComparison.Ordinal);
        Assert.Equal(HealthStatus.Unhealthy, missing.Status);
        await db.ExecAsync($"ALTER TABLE public.{broken} ENABLE TRIGGER {CaptureSqlGenerator.InsertTrigger}");
    }

    [Fact]
    public async Task A_table_with_several_drifted_columns_degrades_the_health_check_and_lists_each_column()
    {
        await using var db = await platform.OpenDirectAsync();
        var drifted = await db.CreateTableAsync("drifted", "(id int PRIMARY KEY, card text, ssn text)");
        await new CaptureManager().EnableAsync(db, new TableCaptureOptions(drifted) { Mask = ["card"], Exclude = ["ssn"] });
        // Two findings of one status on one table: both redacted columns dropped.
        await db.ExecAsync($"ALTER TABLE public.{drifted} DROP COLUMN card, DROP COLUMN ssn");
        var context = new HealthCheckContext { Registration = new HealthCheckRegistration("threadline-coverage", _ => null!, null, null) };
        try
        {
            var result = await new ThreadlineCoverageHealthCheck(() => platform.AppConnectionString, new CoverageExpectation { Required = ["public.posts"] }, TimeSpan.Zero)
                .CheckHealthAsync(context);

            Assert.Equal(HealthStatus.Degraded, result.Status);
            Assert.Null(result.Exception);
            var drift = Assert.IsType<string>(result.Data[$"public.{drifted} {CoverageStatus.ColumnDrift}"]);
            Assert.Contains("card", drift, StringComparison.Ordinal);
            Assert.Contains("ssn", drift, StringComparison.Ordinal);
        }
        finally
        {
            await new CaptureManager().DisableAsync(db, "public", drifted);
            await db.ExecAsync($"DROP TABLE public.{drifted}");
        }
    }
}
