using Npgsql;
using Threadline.IntegrationTests.Infrastructure;
using Threadline.Npgsql;

namespace Threadline.IntegrationTests;

/// <summary>
/// The context stamp is written in two places on purpose: threadline.context_stamp() (what the capture compares with)
/// and the bridges' statement, which must not need the schema. Within one transaction they must give the same text.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class ContextStampTests(DatabaseFixture platform)
{
    [Fact]
    public async Task The_bridges_stamp_equals_context_stamp_in_the_same_transaction_and_differs_in_the_next()
    {
        await using var db = await platform.OpenDirectAsync();
        var stamps = new List<string>();
        foreach (var timeZone in new[] { "UTC", "Pacific/Chatham" })
        {
            await using var tx = await db.BeginTransactionAsync();
            // The stamp is an epoch count: no session setting may change it.
            await db.ExecAsync($"SET LOCAL TimeZone = '{timeZone}'; SET LOCAL DateStyle = 'SQL, DMY'; SET LOCAL extra_float_digits = -15", tx);
            await using (var set = new NpgsqlCommand(NpgsqlAuditExtensions.SetContextSql, db, tx))
            {
                set.Parameters.Add(new NpgsqlParameter { Value = new AuditContext(ActorRef.User("stamp")).ToJson() });
                await set.ExecuteNonQueryAsync();
            }

            await using var compare = new NpgsqlCommand("SELECT current_setting('threadline.context_tx'), threadline.context_stamp()", db, tx);
            await using (var row = await compare.ExecuteReaderAsync())
            {
                Assert.True(await row.ReadAsync());
                Assert.Matches("^[0-9]{16,}$", row.GetString(0));
                Assert.Equal(row.GetString(1), row.GetString(0));
                stamps.Add(row.GetString(0));
            }

            await tx.CommitAsync();
        }

        Assert.NotEqual(stamps[0], stamps[1]);
    }
}
