using Npgsql;
using Threadline.Capture;
using Threadline.IntegrationTests.Infrastructure;

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

    /// <summary>Every stored image and changed-field list of the table, oldest first, as one text per change.</summary>
    private static async Task<IReadOnlyList<string>> ImagesAsync(NpgsqlConnection db, string table)
    {
        await using var command = new NpgsqlCommand(
            "SELECT concat_ws(' | ', data_after::text, data_before::text, changed_fields::text) FROM threadline.changes WHERE table_name = $1 ORDER BY id", db);
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
