using Npgsql;
using Threadline.IntegrationTests.Infrastructure;
using Threadline.Schema;
using Xunit.Abstractions;

namespace Threadline.IntegrationTests;

/// <summary>
/// The PostgreSQL the suite runs on (issue 29): a supported version, named in the test output, so each run of the CI
/// matrix (PostgreSQL 14 to 18 in container mode) shows which server it proved. The refusal of an older server is unit
/// tested (SchemaServerVersionTests): no server older than 14 is available to the tests.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class ServerVersionTests(DatabaseFixture platform, ITestOutputHelper output)
{
    [Fact]
    public async Task The_server_under_test_is_one_the_installer_accepts()
    {
        await using var connection = await platform.OpenDirectAsync();
        await using var command = new NpgsqlCommand("SELECT current_setting('server_version_num')::int, current_setting('server_version')", connection);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        var (number, version) = (reader.GetInt32(0), reader.GetString(1));
        output.WriteLine($"PostgreSQL {version} (server_version_num {number})");

        Assert.Null(SchemaInstaller.UnsupportedServerMessage(number, version));
        var expected = Environment.GetEnvironmentVariable("THREADLINE_EXPECT_POSTGRES_MAJOR");
        if (!string.IsNullOrEmpty(expected))
        {
            // Set by the CI matrix, so a job that silently ran another image than its name says fails.
            Assert.Equal(expected, (number / 10000).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}
