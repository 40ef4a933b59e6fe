using Npgsql;
using Threadline.Capture;
using Threadline.IntegrationTests.Infrastructure;
using Threadline.Operations;
using Threadline.Schema;

namespace Threadline.IntegrationTests;

/// <summary>
/// Issue 13, item 3: redaction follows the schema. Renaming or dropping a masked or excluded column, or adding one
/// with the name of a dropped one, never lets a value through in clear; plain DDL, no re-apply in between.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class RedactionDriftTests(PlatformFixture platform)
{
    private static readonly AuditContext Context = new(ActorRef.User("redaction-drift-tests"));

    [Fact]
    public async Task A_renamed_masked_or_excluded_column_stays_masked_or_excluded()
    {
        var secret = $"drift-{Guid.NewGuid():N}";
        await using var db = await platform.OpenDirectAsync();
        var table = await db.CreateTableAsync("renamed", "(id integer PRIMARY KEY, name text, card text, ssn text)");
        await new CaptureManager().EnableAsync(db, new TableCaptureOptions(table) { Mask = ["card"], Exclude = ["ssn"] });

        await db.ExecAsync($"ALTER TABLE public.{table} RENAME COLUMN card TO card_number; ALTER TABLE public.{table} RENAME COLUMN ssn TO tax_id");
        await db.ExecAuditedAsync(
            Context,
            $"INSERT INTO public.{table} VALUES (1, 'n', '{secret}-card', '{secret}-ssn')",
            $"UPDATE public.{table} SET card_number = '{secret}-card2', tax_id = '{secret}-ssn2', name = 'm' WHERE id = 1",
            $"DELETE FROM public.{table} WHERE id = 1");

        var images = await ImagesAsync(db, table);
        Assert.Equal(3, images.Count);
        Assert.All(images, image => Assert.DoesNotContain(secret, image, StringComparison.Ordinal));
        Assert.Contains("\"card_number\": \"[REDACTED]\"", images[0], StringComparison.Ordinal);
        Assert.DoesNotContain("tax_id", images[0], StringComparison.Ordinal);
        // The update names the masked column as changed, with no value; the excluded one not at all.
        Assert.Contains("{card_number,name}", images[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_column_added_with_the_name_of_a_dropped_redacted_column_stays_redacted()
    {
        var secret = $"drift-{Guid.NewGuid():N}";
        await using var db = await platform.OpenDirectAsync();
        var table = await db.CreateTableAsync("readded", "(id integer PRIMARY KEY, card text, ssn text)");
        await new CaptureManager().EnableAsync(db, new TableCaptureOptions(table) { Mask = ["card"], Exclude = ["ssn"] });

        await db.ExecAsync($"""
            ALTER TABLE public.{table} DROP COLUMN ssn;
            ALTER TABLE public.{table} DROP COLUMN card;
            ALTER TABLE public.{table} ADD COLUMN ssn text, ADD COLUMN card text, ADD COLUMN note text;
            """);
        await db.ExecAuditedAsync(Context, $"INSERT INTO public.{table} (id, ssn, card, note) VALUES (1, '{secret}-ssn', '{secret}-card', 'visible')");

        var image = Assert.Single(await ImagesAsync(db, table));
        Assert.DoesNotContain(secret, image, StringComparison.Ordinal);
        Assert.DoesNotContain("ssn", image, StringComparison.Ordinal);
        Assert.Contains("\"card\": \"[REDACTED]\"", image, StringComparison.Ordinal);
        // A new column with a new name is an ordinary column: captured, and reported as drift (RedactionDriftCoverageTests).
        Assert.Contains("\"note\": \"visible\"", image, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Coverage_and_the_apply_plan_report_each_drift_by_name_until_capture_is_reapplied()
    {
        await using var database = await TemporaryDatabase.CreateAsync(platform, "drift");
        await using var db = await database.OpenAsync();
        await new SchemaInstaller().InstallAsync(db);
        await db.ExecAsync("""
            CREATE TABLE public.cards (id int PRIMARY KEY, card text, ssn text, name text);
            CREATE TABLE public.keyed (k int PRIMARY KEY, v text);
            CREATE TABLE public.legacy (id int PRIMARY KEY, v text);
            CREATE TABLE public.steady (id int PRIMARY KEY, v text);
            """);
        var cards = new TableCaptureOptions("cards") { Mask = ["card"], Exclude = ["ssn"] };
        TableCaptureOptions[] desired = [cards, new("keyed"), new("legacy"), new("steady")];
        var capture = new CaptureManager();
        await capture.ApplyAsync(db, desired);
        var clean = await CoverageAsync(db);

        await db.ExecAsync("""
            ALTER TABLE public.cards RENAME COLUMN card TO card_number;
            ALTER TABLE public.cards DROP COLUMN ssn;
            ALTER TABLE public.cards ADD COLUMN ssn text, ADD COLUMN nickname text;
            ALTER TABLE public.keyed RENAME COLUMN k TO k2;
            -- As registered by a version that recorded no column identity.
            UPDATE threadline.captured_tables SET options = options - 'columns' - 'exclude_attnums' - 'mask_attnums' WHERE table_name = 'legacy';
            """);
        var drifted = await CoverageAsync(db);
        var stale = await Assert.ThrowsAsync<CaptureException>(() => capture.PlanAsync(db, desired));
        TableCaptureOptions[] decided = [cards with { Mask = ["card_number"] }, new("keyed"), new("legacy"), new("steady")];
        var plan = (await capture.PlanAsync(db, decided)).ToDictionary(e => e.Table);
        // What the key-rename finding says: the capture function still names the old key, so writes fail loudly.
        var keyedWrite = await Assert.ThrowsAsync<PostgresException>(() => db.ExecAuditedAsync(Context, "INSERT INTO public.keyed VALUES (1, 'x')"));

        Assert.All(clean, f => Assert.Equal(CoverageStatus.Covered, f.Status));
        Assert.Equal(
            [
                "column nickname was added since capture was applied and is captured in clear; mask or exclude it, or re-apply capture to accept it.",
                "column ssn was added under the name of a dropped excluded column and is excluded; re-apply capture to confirm.",
                "masked column card was renamed to card_number; it is still masked; name card_number in Mask and re-apply capture.",
            ],
            Drift(drifted, "public.cards"));
        Assert.Equal(["key column k was renamed to k2; writes to the table fail until capture is re-applied with key k2."], Drift(drifted, "public.keyed"));
        Assert.Contains("without column identity", Assert.Single(Drift(drifted, "public.legacy")), StringComparison.Ordinal);
        Assert.Equal([CoverageStatus.Covered], drifted.Where(f => f.Table == "public.steady").Select(f => f.Status));
        Assert.Equal("42703", keyedWrite.SqlState);
        // The configuration that still names the old column is refused, by name, before anything changes.
        Assert.StartsWith("Unknown masked column card in public.cards", stale.Message, StringComparison.Ordinal);
        Assert.Contains("Since capture was applied: ", stale.Message, StringComparison.Ordinal);
        Assert.Contains("masked column card was renamed to card_number", stale.Message, StringComparison.Ordinal);
        Assert.Equal(CapturePlanAction.Change, plan["public.cards"].Action);
        Assert.Equal("mask: card -> card_number", plan["public.cards"].Reasons[0]);
        Assert.Equal(4, plan["public.cards"].Reasons.Count);
        Assert.Equal((CapturePlanAction.Change, "key: k -> k2"), (plan["public.keyed"].Action, plan["public.keyed"].Reasons[0]));
        Assert.Equal(CapturePlanAction.Refresh, plan["public.legacy"].Action);
        Assert.Equal(CapturePlanAction.Unchanged, plan["public.steady"].Action);

        // The owner decides (new names in the options, the new key); re-applying records the columns as they are now.
        var applied = await capture.ApplyAsync(db, decided);
        Assert.All(await CoverageAsync(db), f => Assert.Equal(CoverageStatus.Covered, f.Status));
        Assert.Equal(["public.cards", "public.keyed", "public.legacy"], applied.Changed);
        Assert.All(await capture.PlanAsync(db, decided), e => Assert.Equal(CapturePlanAction.Unchanged, e.Action));
    }

    // As the application role, as a health check runs it: drift needs only the catalog and captured_tables.
    private static async Task<IReadOnlyList<CoverageFinding>> CoverageAsync(NpgsqlConnection db)
    {
        await db.ExecAsync("SET ROLE threadline_writer");
        try
        {
            return (await new CoverageChecker().CheckAsync(db, new CoverageExpectation())).Findings;
        }
        finally
        {
            await db.ExecAsync("RESET ROLE");
        }
    }

    private static IReadOnlyList<string> Drift(IReadOnlyList<CoverageFinding> findings, string table) =>
        findings.Where(f => f.Table == table && f.Status == CoverageStatus.ColumnDrift).Select(f => f.Detail).Order(StringComparer.Ordinal).ToArray();

    /// <summary>Every stored image and changed-field list of the table, oldest first, as one text per change.</summary>
    private static async Task<IReadOnlyList<string>> ImagesAsync(NpgsqlConnection db, string table)
    {
        await using var command = new NpgsqlCommand(
            "SELECT concat_ws(' | ', data_after::text, data_before::text, changed_fields::text) FROM threadline.change_log WHERE table_name = $1 ORDER BY id", db);
        command.Parameters.Add(new NpgsqlParameter { Value = table });
        await using var reader = await command.ExecuteReaderAsync();
        var images = new List<string>();
        while (await reader.ReadAsync())
        {
            images.Add(reader.GetString(0));
        }

        return images;
    }
}
