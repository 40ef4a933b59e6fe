using Npgsql;
using Threadline.IntegrationTests.Infrastructure;

namespace Threadline.IntegrationTests;

/// <summary>With the application's own credentials (through PgBouncer), audit rows cannot be written, changed or removed.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class AppendOnlyTests(DatabaseFixture platform)
{
    [Theory]
    [InlineData("INSERT INTO threadline.transactions (txid, started_at, first_change_at) VALUES (pg_current_xact_id(), now(), now())")]
    [InlineData("UPDATE threadline.transactions SET actor_id = 'someone-else'")]
    [InlineData("DELETE FROM threadline.changes")]
    [InlineData("TRUNCATE threadline.changes")]
    [InlineData("ALTER TABLE public.posts DISABLE TRIGGER threadline_capture_insert")]
    [InlineData("DROP TRIGGER threadline_capture_update ON public.posts")]
    public async Task Application_role_cannot_tamper_with_audit_data_or_capture(string sql)
    {
        await using var connection = new NpgsqlConnection(platform.AppConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);

        var error = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());

        // 42501: insufficient privilege (or must be owner of the table).
        Assert.Equal("42501", error.SqlState);
    }
}
