using Npgsql;
using Threadline.Capture;
using Threadline.IntegrationTests.Cli;
using Threadline.IntegrationTests.Infrastructure;
using Threadline.Operations;
using Threadline.Operations.Integrity;
using Threadline.Schema;

namespace Threadline.IntegrationTests;

/// <summary>
/// Managed PostgreSQL gives no superuser: its admin role has CREATEROLE and CREATEDB. Every operator step runs as such
/// a role here, on a database it created itself: the CLI's <c>threadline schema install</c>, the
/// library's upgrade run (every function file applied again), capture, a sealed and verified trail, and an executed purge. Only the role itself is
/// made by the fixture's superuser, as a service's control plane makes it. Role names are unique to the run, since the
/// fixture's cluster already has the default threadline_* roles (made by a superuser).
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class ManagedPostgresTests(DatabaseFixture platform)
{
    [Fact]
    public async Task A_createrole_createdb_role_without_superuser_installs_upgrades_captures_seals_verifies_and_purges()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var admin = $"managed_admin_{suffix}";
        var database = $"managed_{suffix}";
        var options = new ThreadlineSchemaOptions
        {
            OwnerRole = $"managed_{suffix}_owner",
            ReaderRole = $"managed_{suffix}_reader",
            RetentionRole = $"managed_{suffix}_retention",
            WriterRole = $"managed_{suffix}_writer",
        };
        var password = Guid.NewGuid().ToString("N");
        await using (var superuser = await platform.OpenDirectAsync())
        {
            await superuser.ExecAsync($"CREATE ROLE {admin} LOGIN CREATEROLE CREATEDB NOSUPERUSER PASSWORD '{password}'");
        }

        var connection = new NpgsqlConnectionStringBuilder(platform.DirectConnectionString) { Username = admin, Password = password, Database = "postgres", Pooling = false };
        try
        {
            await using (var maintenance = await OpenAsync(connection.ConnectionString))
            {
                Assert.False(await AuditRows.ScalarAsync<bool>(maintenance, "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"));
                await maintenance.ExecAsync($"CREATE DATABASE {database}");
            }

            connection.Database = database;
            var cs = connection.ConnectionString;
            CliRunner.Expect(await CliRunner.RunAsync(
                "schema", "install", "--connection", cs,
                "--audit-owner-role", options.OwnerRole, "--audit-reader-role", options.ReaderRole,
                "--audit-retention-role", options.RetentionRole, "--audit-writer-role", options.WriterRole), 0);

            await using var db = await OpenAsync(cs);
            // An upgrade run: every function file is applied again, which needs the owner's rights the admin took.
            var upgrade = await new SchemaInstaller(options).InstallAsync(db);
            Assert.Equal((SchemaInstaller.LatestVersion, SchemaInstaller.LatestVersion), (upgrade.PreviousVersion, upgrade.CurrentVersion));
            // The installer made the admin a member of the owner role it created; the schema and its tables belong to that role.
            Assert.True(await AuditRows.ScalarAsync<bool>(db, "SELECT pg_has_role(current_user, $1, 'MEMBER')", options.OwnerRole));
            Assert.Equal(options.OwnerRole, await AuditRows.ScalarAsync<string>(db, "SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = 'threadline'"));

            await db.ExecAsync("CREATE TABLE public.invoices (id integer PRIMARY KEY, amount numeric NOT NULL)");
            await new CaptureManager(options).EnableAsync(db, new TableCaptureOptions("invoices") { RequireActor = true });
            await db.ExecAuditedAsync(new AuditContext(ActorRef.User("managed-user")),
                "INSERT INTO public.invoices VALUES (1, 10), (2, 20)", "UPDATE public.invoices SET amount = 11 WHERE id = 1");
            Assert.Equal(3, await AuditRows.ScalarAsync<long>(db, "SELECT count(*) FROM threadline.change_log WHERE op <> 'baseline' AND actor_id = 'managed-user'"));

            var seal = await new AuditSealer(options).SealAsync(db);
            Assert.NotNull(seal);
            var verified = await new IntegrityVerifier(options).VerifyAsync(db);
            Assert.True(verified.Intact, string.Join("; ", verified.Findings.Select(f => f.Detail)));

            var asOf = await AuditRows.ScalarAsync<DateTime>(db, "SELECT now()") + TimeSpan.FromHours(2);
            var purged = await new RetentionPurger(options).PurgeAsync(db, new RetentionPolicy(TimeSpan.FromHours(1)), execute: true, asOf: asOf);
            Assert.True(purged.Complete);
            Assert.Equal(3, purged.Changes);
            var afterPurge = await new IntegrityVerifier(options).VerifyAsync(db);
            Assert.True(afterPurge.Intact, string.Join("; ", afterPurge.Findings.Select(f => f.Detail)));
        }
        finally
        {
            await using var superuser = await platform.OpenDirectAsync();
            await superuser.ExecAsync($"DROP DATABASE IF EXISTS {database} WITH (FORCE)");
            foreach (var role in new[] { options.OwnerRole, options.ReaderRole, options.RetentionRole, options.WriterRole, admin })
            {
                await superuser.ExecAsync($"DROP ROLE IF EXISTS {role}");
            }
        }
    }

    [Fact]
    public async Task A_role_that_may_not_join_the_owner_role_is_stopped_before_anything_changes_with_the_grant_to_run()
    {
        // Without CREATEROLE (on PostgreSQL 16 and later also: roles someone else created) the installer cannot make
        // itself a member of the owner role; the roles exist already, made by a superuser.
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var installer = $"plain_installer_{suffix}";
        var database = $"plain_{suffix}";
        var options = new ThreadlineSchemaOptions
        {
            OwnerRole = $"plain_{suffix}_owner",
            ReaderRole = $"plain_{suffix}_reader",
            RetentionRole = $"plain_{suffix}_retention",
            WriterRole = $"plain_{suffix}_writer",
        };
        var roles = new[] { options.OwnerRole, options.ReaderRole, options.RetentionRole, options.WriterRole };
        var password = Guid.NewGuid().ToString("N");
        await using (var superuser = await platform.OpenDirectAsync())
        {
            await superuser.ExecAsync($"CREATE ROLE {installer} LOGIN NOSUPERUSER NOCREATEROLE PASSWORD '{password}'");
            foreach (var role in roles)
            {
                await superuser.ExecAsync($"CREATE ROLE {role} NOLOGIN");
            }

            await superuser.ExecAsync($"CREATE DATABASE {database} OWNER {installer}");
        }

        try
        {
            var cs = new NpgsqlConnectionStringBuilder(platform.DirectConnectionString) { Username = installer, Password = password, Database = database, Pooling = false };
            await using var db = await OpenAsync(cs.ConnectionString);
            var error = await Assert.ThrowsAsync<PostgresException>(() => new SchemaInstaller(options).InstallAsync(db));

            Assert.Equal("42501", error.SqlState);
            Assert.Equal($"threadline: the role {installer} installs the audit schema but is not a member of {options.OwnerRole}, and may not make itself one", error.MessageText);
            Assert.Equal($"As a role with ADMIN OPTION on {options.OwnerRole} (its creator on PostgreSQL 16 and later, or a superuser), run: GRANT {options.OwnerRole} TO {installer}; then install again. docs/deployment.md, \"Managed PostgreSQL\".", error.Hint);
            Assert.Null(ThreadlineErrors.FindRefusal(error));
            Assert.False(await AuditRows.ScalarAsync<bool>(db, "SELECT EXISTS (SELECT FROM pg_namespace WHERE nspname = 'threadline')"));
        }
        finally
        {
            await using var superuser = await platform.OpenDirectAsync();
            await superuser.ExecAsync($"DROP DATABASE IF EXISTS {database} WITH (FORCE)");
            foreach (var role in roles.Append(installer))
            {
                await superuser.ExecAsync($"DROP ROLE IF EXISTS {role}");
            }
        }
    }

    private static async Task<NpgsqlConnection> OpenAsync(string connectionString)
    {
        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        return connection;
    }
}
