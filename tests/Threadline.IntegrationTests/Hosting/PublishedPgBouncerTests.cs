using System.Security.Cryptography;
using Npgsql;
using Threadline.IntegrationTests.Infrastructure;
using Threadline.Operations;
using Threadline.Platform;
using Threadline.Platform.Posts;
using Xunit.Abstractions;

namespace Threadline.IntegrationTests.Hosting;

/// <summary>
/// The PgBouncer configuration a published manifest carries works: a real PgBouncer on exactly those settings (see
/// PublishedPgBouncer) pools in transaction mode, lets the two login roles in with their own passwords, which it looks
/// up through auth_query as the auth role the schema manager creates, and lets no other role in. No file holds the
/// login roles' passwords.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class PublishedPgBouncerTests(DatabaseFixture platform, ITestOutputHelper output)
{
    [Fact]
    public async Task The_published_configuration_pools_in_transaction_mode_and_authenticates_the_login_roles_through_auth_query()
    {
        var authPassword = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        var app = new NpgsqlConnectionStringBuilder(platform.AppConnectionString);
        var auditor = new NpgsqlConnectionStringBuilder(platform.AuditorConnectionString);
        try
        {
            // As the schema manager runs in publish mode: the same roles and passwords, plus the auth role and its lookup.
            await using (var direct = await platform.OpenDirectAsync())
            {
                await PlatformDatabase.SetUpAsync(direct, app.Password!, auditor.Password!, PlatformCapture.FromConfiguration(DatabaseFixture.SchemaManagerSettings()), authPassword);
            }

            await using var pooler = await PublishedPgBouncer.StartAsync(platform, authPassword);
            Assert.Equal(("transaction", "scram-sha-256"), (pooler.Environment["POOL_MODE"], pooler.Environment["AUTH_TYPE"]));

            var report = await new TopologyVerifier().VerifyAsync(pooler.Through(platform.AppConnectionString), new TopologyProbeOptions { Clients = 8, TransactionsPerClient = 20 });
            Assert.True(report.Safe, report.ToMarkdown());
            Assert.Equal((160, 0, 0), (report.Transactions, report.Misattributions, report.ContextLeaks));
            Assert.True(report.BackendsSharedBetweenClients && report.DistinctBackends <= 3, $"8 clients on {report.DistinctBackends} backends");

            await using (var reader = new NpgsqlConnection(pooler.Through(platform.AuditorConnectionString)))
            {
                await reader.OpenAsync();
                Assert.Equal(PlatformRoles.AuditorUser, await AuditRows.ScalarAsync<string>(reader, "SELECT current_user::text"));
            }

            // Nobody else: not the superuser with its right password, not a login role with a wrong one.
            var superuser = pooler.Through(platform.DirectConnectionString);
            // PgBouncer itself answers (a server error, not a refused connection): the lookup knows no superuser.
            var refusedSuperuser = await Assert.ThrowsAsync<PostgresException>(() => OpenAsync(superuser));
            var refusedPassword = await Assert.ThrowsAsync<PostgresException>(() => OpenAsync(new NpgsqlConnectionStringBuilder(pooler.Through(platform.AppConnectionString)) { Password = "wrong" }.ConnectionString));
            output.WriteLine($"superuser: {refusedSuperuser.SqlState} {refusedSuperuser.MessageText}; wrong password: {refusedPassword.SqlState} {refusedPassword.MessageText}");
            Assert.Equal(("no such user", "SASL authentication failed"), (refusedSuperuser.MessageText, refusedPassword.MessageText));

            // The auth role reads no password hash but the login roles', and the login roles cannot call the lookup.
            await using var authRole = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(platform.DirectConnectionString) { Username = PlatformRoles.PgBouncerAuthUser, Password = authPassword }.ConnectionString);
            await authRole.OpenAsync();
            Assert.Equal("42501", (await Assert.ThrowsAsync<PostgresException>(() => AuditRows.ScalarAsync<long>(authRole, "SELECT count(*) FROM pg_catalog.pg_shadow"))).SqlState);
            Assert.Equal(0L, await AuditRows.ScalarAsync<long>(authRole, "SELECT count(*) FROM pgbouncer_auth.user_lookup('postgres')"));
            Assert.StartsWith("SCRAM-SHA-256$", (string)await ScalarOrNullAsync(authRole, $"SELECT phash FROM pgbouncer_auth.user_lookup('{PlatformRoles.AppUser}')"), StringComparison.Ordinal);
            await using var appDirect = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(platform.DirectConnectionString) { Username = app.Username, Password = app.Password }.ConnectionString);
            await appDirect.OpenAsync();
            Assert.Equal("42501", (await Assert.ThrowsAsync<PostgresException>(() => ScalarOrNullAsync(appDirect, $"SELECT phash FROM pgbouncer_auth.user_lookup('{PlatformRoles.AuditorUser}')"))).SqlState);
        }
        finally
        {
            // The shared database goes back to what the schema manager sets up in run mode.
            await using var direct = await platform.OpenDirectAsync();
            await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS pgbouncer_auth CASCADE; DROP ROLE IF EXISTS {PlatformRoles.PgBouncerAuthUser};", direct);
            await drop.ExecuteNonQueryAsync();
        }
    }

    private static async Task OpenAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
    }

    private static async Task<object> ScalarOrNullAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync() ?? DBNull.Value;
    }
}
