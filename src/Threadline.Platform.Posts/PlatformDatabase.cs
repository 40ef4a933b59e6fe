using Npgsql;
using Threadline.Capture;
using Threadline.Schema;

namespace Threadline.Platform.Posts;

/// <summary>
/// Sets up the reference platform's database on a direct connection: login roles, the Threadline audit schema,
/// the posts table and its capture. Idempotent: every run converges to the same state.
/// </summary>
public static class PlatformDatabase
{
    /// <summary>
    /// Sets up the database; <paramref name="capture"/> lists the captured tables (from configuration). With
    /// <paramref name="pgBouncerAuthPassword"/>, also the role and lookup a PgBouncer needs to authenticate the login
    /// roles through auth_query (<see cref="EnsurePgBouncerAuthAsync"/>).
    /// </summary>
    public static async Task<CaptureApplyResult> SetUpAsync(NpgsqlConnection direct, string appPassword, string auditorPassword, IEnumerable<TableCaptureOptions> capture,
        string? pgBouncerAuthPassword = null, CancellationToken cancellationToken = default)
    {
        var schema = ThreadlineSchemaOptions.Default;
        await new SchemaInstaller(schema).InstallAsync(direct, cancellationToken);

        await using (var transaction = await direct.BeginTransactionAsync(cancellationToken))
        {
            await ExecuteAsync(direct, transaction, "SELECT pg_advisory_xact_lock(hashtext('threadline.platform_setup'))", cancellationToken);
            await EnsureLoginRoleAsync(direct, transaction, PlatformRoles.AppUser, appPassword, cancellationToken);
            await EnsureLoginRoleAsync(direct, transaction, PlatformRoles.AuditorUser, auditorPassword, cancellationToken);
            await ExecuteAsync(direct, transaction, $"""
                GRANT {SqlIdentifier.Quote(schema.WriterRole)} TO {SqlIdentifier.Quote(PlatformRoles.AppUser)};
                GRANT {SqlIdentifier.Quote(schema.ReaderRole)} TO {SqlIdentifier.Quote(PlatformRoles.AuditorUser)};
                CREATE TABLE IF NOT EXISTS public.posts (
                    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    title       text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
                    body        text NOT NULL DEFAULT '',
                    word_count  integer,
                    indexed_at  timestamptz,
                    created_at  timestamptz NOT NULL DEFAULT now()
                );
                GRANT SELECT, INSERT, UPDATE, DELETE ON public.posts TO {SqlIdentifier.Quote(PlatformRoles.AppUser)};
                -- Transactional outbox (posts-api) and idempotent consumption (job-worker); see Outbox.cs.
                CREATE TABLE IF NOT EXISTS public.outbox_messages (
                    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    message_id    uuid NOT NULL UNIQUE,
                    message_type  text NOT NULL,
                    payload       jsonb NOT NULL,
                    audit_context jsonb,
                    trace_parent  text,
                    trace_state   text,
                    created_at    timestamptz NOT NULL DEFAULT now(),
                    dispatched_at timestamptz,
                    dispatched_by text
                );
                -- Databases set up before the outbox kept the writer's trace context, or which instance dispatched a row.
                ALTER TABLE public.outbox_messages ADD COLUMN IF NOT EXISTS trace_parent text, ADD COLUMN IF NOT EXISTS trace_state text,
                    ADD COLUMN IF NOT EXISTS dispatched_by text;
                CREATE INDEX IF NOT EXISTS outbox_messages_pending_idx ON public.outbox_messages (id) WHERE dispatched_at IS NULL;
                CREATE TABLE IF NOT EXISTS public.processed_messages (
                    message_id   uuid PRIMARY KEY,
                    consumer     text NOT NULL,
                    processed_at timestamptz NOT NULL DEFAULT now(),
                    processed_by text
                );
                ALTER TABLE public.processed_messages ADD COLUMN IF NOT EXISTS processed_by text;
                GRANT SELECT, INSERT, UPDATE ON public.outbox_messages TO {SqlIdentifier.Quote(PlatformRoles.AppUser)};
                GRANT SELECT, INSERT ON public.processed_messages TO {SqlIdentifier.Quote(PlatformRoles.AppUser)};
                """, cancellationToken);
            if (pgBouncerAuthPassword is not null)
            {
                await EnsurePgBouncerAuthAsync(direct, transaction, pgBouncerAuthPassword, cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
        }

        return await new CaptureManager(schema).ApplyAsync(direct, capture, disableUnlisted: true, cancellationToken);
    }

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
