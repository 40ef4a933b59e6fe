using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql;
using Threadline.Capture;
using Threadline.Schema;

namespace Threadline.Platform.Posts;

/// <summary>
/// Sets up the reference platform's database on a direct connection, in the order an adopting team would: the
/// Threadline audit schema, the login roles (code: their passwords are deployment secrets, not schema), the EF Core
/// migrations of the platform's tables (Migrations/, which also enable capture of posts), then capture as
/// configured. Idempotent: every run converges to the same state, and a database set up before the migrations
/// existed is adopted (<see cref="MigrationBaseline"/>).
/// </summary>
public static class PlatformDatabase
{
    /// <summary>
    /// Sets up the database. <paramref name="capture"/> is the whole desired capture (from configuration): tables the
    /// migrations capture may be adjusted there, others added, and unlisted ones are disabled; it must list every table
    /// in <see cref="PlatformTables.MustBeCaptured"/>, which is checked before anything changes. With
    /// <paramref name="pgBouncerAuthPassword"/>, also the role and lookup a PgBouncer needs to authenticate the login
    /// roles through auth_query (<see cref="EnsurePgBouncerAuthAsync"/>).
    /// </summary>
    public static async Task<PlatformSetUpResult> SetUpAsync(NpgsqlConnection direct, string appPassword, string auditorPassword, IEnumerable<TableCaptureOptions> capture,
        string? pgBouncerAuthPassword = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(direct);
        var tables = PlatformCapture.RequireMandatoryTables(capture);
        var schema = ThreadlineSchemaOptions.Default;
        await new SchemaInstaller(schema).InstallAsync(direct, cancellationToken);

        await using var context = ForMigrations(direct);
        bool baselined;
        await using (var transaction = await direct.BeginTransactionAsync(cancellationToken))
        {
            await ExecuteAsync(direct, transaction, "SELECT pg_advisory_xact_lock(hashtext('threadline.platform_setup'))", cancellationToken);
            await EnsureLoginRoleAsync(direct, transaction, PlatformRoles.AppUser, appPassword, cancellationToken);
            await EnsureLoginRoleAsync(direct, transaction, PlatformRoles.AuditorUser, auditorPassword, cancellationToken);
            await ExecuteAsync(direct, transaction, $"""
                GRANT {SqlIdentifier.Quote(schema.WriterRole)} TO {SqlIdentifier.Quote(PlatformRoles.AppUser)};
                GRANT {SqlIdentifier.Quote(schema.ReaderRole)} TO {SqlIdentifier.Quote(PlatformRoles.AuditorUser)};
                """, cancellationToken);
            await context.Database.UseTransactionAsync(transaction, cancellationToken);
            baselined = await MigrationBaseline.RecordIfSetUpBeforeMigrationsAsync(context, cancellationToken);
            // EF Core's Npgsql provider reads the history table and takes a failed query (42P01) as "no history": on a
            // fresh database every start drew two failed statements in the schema manager's trace. Created first, it
            // is read without an error.
            await ExecuteAsync(direct, transaction, context.GetService<IHistoryRepository>().GetCreateIfNotExistsScript(), cancellationToken);
            await context.Database.UseTransactionAsync(null, cancellationToken);
            if (pgBouncerAuthPassword is not null)
            {
                await EnsurePgBouncerAuthAsync(direct, transaction, pgBouncerAuthPassword, cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
        }

        // EF Core takes its own lock on the history table, so concurrent runs apply each migration once.
        var pending = (await context.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
        await context.Database.MigrateAsync(cancellationToken);
        var applied = await new CaptureManager(schema).ApplyAsync(direct, tables, disableUnlisted: true, cancellationToken);
        return new PlatformSetUpResult(baselined, pending, applied);
    }

    /// <summary>A context for migrating over the caller's direct connection: no audit interceptor, no pooler.</summary>
    public static PostsDbContext ForMigrations(NpgsqlConnection direct) =>
        new(new DbContextOptionsBuilder<PostsDbContext>().UseNpgsql(direct).Options);

    /// <summary>
    /// The auth user of a PgBouncer that authenticates clients through auth_query (PlatformRoles.PgBouncerAuthQuery):
    /// a login role that can only call one SECURITY DEFINER function, which returns the SCRAM verifier of the two login
    /// roles and of no other role (never a superuser's). PgBouncer then needs no file of the login roles' passwords.
    /// </summary>
    private static async Task EnsurePgBouncerAuthAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string password, CancellationToken cancellationToken)
    {
        var auth = SqlIdentifier.Quote(PlatformRoles.PgBouncerAuthUser);
        await EnsureLoginRoleAsync(connection, transaction, PlatformRoles.PgBouncerAuthUser, password, cancellationToken);
        await ExecuteAsync(connection, transaction, $"""
            CREATE SCHEMA IF NOT EXISTS pgbouncer_auth;
            REVOKE ALL ON SCHEMA pgbouncer_auth FROM PUBLIC;
            GRANT USAGE ON SCHEMA pgbouncer_auth TO {auth};
            -- A set, not a record: any other name gets no row (a NULL row is a configuration error to PgBouncer).
            DROP FUNCTION IF EXISTS pgbouncer_auth.user_lookup(text);
            CREATE FUNCTION pgbouncer_auth.user_lookup(i_username text)
                RETURNS TABLE (uname text, phash text) LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $lookup$
                SELECT usename::text, passwd::text FROM pg_catalog.pg_shadow
                 WHERE usename = i_username AND usename IN ({SqlIdentifier.Literal(PlatformRoles.AppUser)}, {SqlIdentifier.Literal(PlatformRoles.AuditorUser)})
                $lookup$;
            REVOKE ALL ON FUNCTION pgbouncer_auth.user_lookup(text) FROM PUBLIC;
            GRANT EXECUTE ON FUNCTION pgbouncer_auth.user_lookup(text) TO {auth};
            """, cancellationToken);
    }

    private static async Task EnsureLoginRoleAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string role, string password, CancellationToken cancellationToken)
    {
        // Passwords cannot be bound as parameters in DDL; the literal is escaped.
        await ExecuteAsync(connection, transaction, $"""
            DO $role$ BEGIN
                IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = {SqlIdentifier.Literal(role)}) THEN
                    CREATE ROLE {SqlIdentifier.Quote(role)} LOGIN;
                END IF;
            END $role$;
            ALTER ROLE {SqlIdentifier.Quote(role)} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD {SqlIdentifier.Literal(password)};
            """, cancellationToken);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
