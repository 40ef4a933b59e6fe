using System.Text;
using System.Text.RegularExpressions;
using Npgsql;
using static Threadline.NpgsqlExecution;

namespace Threadline.Schema;

/// <summary>One version script of the audit schema: table and data changes only (functions are in <see cref="SchemaFunction"/>).</summary>
/// <param name="Version">The version this step brings the schema to.</param>
/// <param name="Name">A short name, from the script's file name (for example <c>baseline</c>).</param>
/// <param name="Sql">
/// The step's SQL, with the schema and role placeholders not yet filled in. The part after the line
/// <c>-- threadline:after-functions</c> (if any) runs after the function files: column defaults, views or data changes
/// that need the current functions.
/// </param>
public sealed record SchemaMigration(int Version, string Name, string Sql);

/// <summary>The outcome of an install or upgrade.</summary>
/// <param name="PreviousVersion">The installed version before the call; 0 when the schema was not installed.</param>
/// <param name="CurrentVersion">The installed version after the call.</param>
/// <param name="Applied">
/// The versions applied by this call, in order; empty when the schema was already at the latest version (the function
/// files are applied on every call all the same).
/// </param>
public sealed record SchemaInstallResult(int PreviousVersion, int CurrentVersion, IReadOnlyList<int> Applied);

/// <summary>
/// Installs and upgrades the audit schema: idempotent, versioned, in one transaction under a transaction-scoped
/// advisory lock. Run it on a direct PostgreSQL connection (DDL does not belong on a transaction pooler).
/// An install applies the version scripts the database lacks (tables and data; <see cref="Migrations"/>), then every
/// function file (<see cref="Functions"/>: the current definition of each function, on every call), then the parts of
/// those version scripts that need the functions.
/// </summary>
/// <param name="options">The schema and role names of the installation; <see cref="ThreadlineSchemaOptions.Default"/> when omitted.</param>
public sealed partial class SchemaInstaller(ThreadlineSchemaOptions? options = null)
{
    /// <summary>
    /// The oldest schema version this library installs or upgrades from: 12, the baseline. Versions 1 to 11 were never
    /// released; they were collapsed into it, and a database at one of them is refused.
    /// </summary>
    public const int BaselineVersion = 12;

    private const string FunctionsPrefix = "Threadline.Sql.Functions.";

    private static readonly Lazy<IReadOnlyList<SchemaMigration>> EmbeddedMigrations = new(LoadMigrations);
    private static readonly Lazy<IReadOnlyList<SchemaFunction>> EmbeddedFunctions = new(LoadFunctions);

    /// <summary>The schema and role names this installer renders the migrations with.</summary>
    public ThreadlineSchemaOptions Options { get; } = options ?? ThreadlineSchemaOptions.Default;

    /// <summary>The version scripts embedded in this version of the library, in version order, the baseline first.</summary>
    public static IReadOnlyList<SchemaMigration> Migrations => EmbeddedMigrations.Value;

    /// <summary>The function files embedded in this version of the library, in the order they are applied (dependencies first).</summary>
    public static IReadOnlyList<SchemaFunction> Functions => EmbeddedFunctions.Value;

    /// <summary>The schema version this library installs and expects.</summary>
    public static int LatestVersion => Migrations[^1].Version;

    /// <summary>
    /// The oldest PostgreSQL major version the audit schema installs on: 14, the first with multiranges
    /// (<c>int8multirange</c>, <c>range_agg</c>). <see cref="InstallAsync(NpgsqlConnection, int?, CancellationToken)"/>
    /// refuses an older server before changing anything.
    /// </summary>
    public const int MinimumPostgresMajorVersion = 14;

    /// <summary>
    /// The SQL that installs the schema (<paramref name="fromVersion"/> 0) or upgrades it from
    /// <paramref name="fromVersion"/> (<see cref="BaselineVersion"/> or later) to the latest version, for review or for
    /// another migration tool. It always ends with the function files, so a script from the latest version re-applies
    /// just them. <paramref name="toVersion"/> may only be <see cref="LatestVersion"/>: the function files belong to it.
    /// </summary>
    public string GetScript(int fromVersion = 0, int? toVersion = null)
    {
        var target = CheckTarget(toVersion);
        if (fromVersion != 0 && (fromVersion < BaselineVersion || fromVersion > target))
        {
            throw new ArgumentOutOfRangeException(nameof(fromVersion), fromVersion,
                $"The script starts from 0 (not installed) or from an installed version between {BaselineVersion} and {target}; versions before {BaselineVersion} were never released and cannot be upgraded.");
        }

        var pending = Migrations.Where(m => m.Version > fromVersion).ToArray();
        var script = new StringBuilder();
        script.AppendLine("-- Threadline audit schema script, generated for review. Apply on a direct PostgreSQL connection.");
        script.AppendLine("BEGIN;");
        script.AppendLine(Bootstrap());
        foreach (var migration in pending)
        {
            script.AppendLine($"-- {migration.Version}: {migration.Name}");
            script.AppendLine(Options.Render(TablePart(migration)));
            script.AppendLine(RecordVersion(migration));
        }

        script.AppendLine("-- The function files: the current definition of every function, applied on every install and upgrade.");
        foreach (var function in Functions)
        {
            script.AppendLine($"-- function: {function.Name}");
            script.AppendLine(Options.Render(function.Sql));
        }

        foreach (var migration in pending.Where(m => AfterFunctionsPart(m) is not null))
        {
            script.AppendLine($"-- {migration.Version}: {migration.Name}, after the functions");
            script.AppendLine(Options.Render(AfterFunctionsPart(migration)!));
        }

        script.AppendLine("COMMIT;");
        return script.ToString();
    }

    /// <summary>The installed version, or 0 when the schema is not installed.</summary>
    public async Task<int> GetInstalledVersionAsync(NpgsqlConnection connection, CancellationToken cancellationToken = default)
    {
        await using var command = new NpgsqlCommand(
            "SELECT to_regclass($1) IS NOT NULL", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = AuditSchemaNames.For(Options).SchemaVersions });
        var exists = (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        if (!exists)
        {
            return 0;
        }

        await using var versionCommand = new NpgsqlCommand(
            $"SELECT coalesce(max(version), 0) FROM {AuditSchemaNames.For(Options).SchemaVersions}", connection);
        return (int)(await versionCommand.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>Installs or upgrades to the latest version. Safe to run concurrently and repeatedly.</summary>
    public Task<SchemaInstallResult> InstallAsync(NpgsqlConnection connection, CancellationToken cancellationToken = default) =>
        InstallAsync(connection, null, cancellationToken);

    /// <summary>
    /// Installs or upgrades to the latest version, in place: existing audit rows and captured tables are kept, and the
    /// function files are re-applied even when no version is missing. Downgrades are not supported.
    /// </summary>
    /// <param name="connection">A direct connection, as a role that may create the schema and roles.</param>
    /// <param name="toVersion">
    /// <see langword="null"/> or <see cref="LatestVersion"/>. An earlier version cannot be the target: the function files
    /// are the definitions of the latest version only.
    /// </param>
    /// <param name="cancellationToken">Cancels the install (rolled back).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="toVersion"/> is not the latest version.</exception>
    /// <exception cref="InvalidOperationException">
    /// The server is older than PostgreSQL <see cref="MinimumPostgresMajorVersion"/> (checked first: nothing is changed),
    /// the database has a newer schema than this library knows, or one older than <see cref="BaselineVersion"/> (a
    /// pre-release layout), or a script failed (rolled back).
    /// </exception>
    public async Task<SchemaInstallResult> InstallAsync(NpgsqlConnection connection, int? toVersion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var target = CheckTarget(toVersion);
        await CheckServerVersionAsync(connection, cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, transaction, "SELECT pg_advisory_xact_lock(hashtext('threadline.schema_installer'))", cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, transaction, Bootstrap(), cancellationToken).ConfigureAwait(false);
        var previous = await GetInstalledVersionAsync(connection, cancellationToken).ConfigureAwait(false);
        var refusal = InstalledVersionRefusal(previous);
        if (refusal is not null)
        {
            throw new InvalidOperationException(refusal);
        }

        var pending = Migrations.Where(m => m.Version > previous).ToArray();
        foreach (var migration in pending)
        {
            await ApplyAsync(connection, transaction, $"migration {migration.Version} ({migration.Name})",
                Options.Render(TablePart(migration)) + "\n" + RecordVersion(migration), cancellationToken).ConfigureAwait(false);
        }

        foreach (var function in Functions)
        {
            await ApplyAsync(connection, transaction, $"function file {function.Name}", Options.Render(function.Sql), cancellationToken).ConfigureAwait(false);
        }

        foreach (var migration in pending.Where(m => AfterFunctionsPart(m) is not null))
        {
            await ApplyAsync(connection, transaction, $"migration {migration.Version} ({migration.Name}, after the functions)",
                Options.Render(AfterFunctionsPart(migration)!), cancellationToken).ConfigureAwait(false);
        }

        if (previous is > 0 and < OneRowPerChangeVersion && target >= OneRowPerChangeVersion)
        {
            await RegenerateCaptureAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new SchemaInstallResult(previous, target, pending.Select(m => m.Version).ToArray());
    }

    /// <summary>The version of the one-row-per-change layout (V013): capture functions of an earlier layout write tables it removed.</summary>
    internal const int OneRowPerChangeVersion = 13;

    /// <summary>
    /// Regenerates the capture function of every captured table that exists, from its stored options, in the upgrade's
    /// transaction: a write after the upgrade commits goes to the new layout, and none can use the old functions.
    /// </summary>
    private async Task RegenerateCaptureAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        var capture = new Capture.CaptureManager(Options);
        foreach (var table in await capture.ListAsync(connection, cancellationToken).ConfigureAwait(false))
        {
            Capture.TableDefinition definition;
            try
            {
                definition = await capture.DescribeAsync(connection, table.Schema, table.Table, cancellationToken).ConfigureAwait(false);
            }
            catch (Capture.CaptureException)
            {
                continue;
            }

            await ApplyAsync(connection, transaction, $"capture function of {table.Schema}.{table.Table}",
                Capture.CaptureSqlGenerator.FunctionSql(definition, table.KeyColumns, table.Options, Options), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Why an install must not touch a database at <paramref name="installed"/>, or <see langword="null"/> when it may.</summary>
    internal string? InstalledVersionRefusal(int installed) => installed switch
    {
        _ when installed > LatestVersion =>
            $"The database has Threadline schema version {installed}, newer than this library knows ({LatestVersion}). Upgrade the Threadline packages; nothing was changed.",
        > 0 and < BaselineVersion =>
            $"The database has Threadline schema version {installed}, a pre-release layout: versions 1 to {BaselineVersion - 1} were never released, and this library " +
            $"installs and upgrades from version {BaselineVersion} on. Export any audit history you need, drop the audit schema " +
            $"(DROP SCHEMA {AuditSchemaNames.For(Options).Schema} CASCADE) and install again; nothing was changed.",
        _ => null,
    };

    private static async Task ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string what, string sql, CancellationToken cancellationToken)
    {
        try
        {
            await ExecuteAsync(connection, transaction, sql, cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex)
        {
            throw new InvalidOperationException($"Threadline schema {what} failed: {ex.MessageText}. Nothing was changed.", ex);
        }
    }

    /// <summary>Reads the server's version and refuses one older than <see cref="MinimumPostgresMajorVersion"/>.</summary>
    private static async Task CheckServerVersionAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT current_setting('server_version_num')::int, current_setting('server_version')", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        var message = UnsupportedServerMessage(reader.GetInt32(0), reader.GetString(1));
        if (message is not null)
        {
            throw new InvalidOperationException(message);
        }
    }

    /// <summary>
    /// Why a server of this version cannot take the audit schema, or <see langword="null"/> when it can.
    /// <paramref name="serverVersionNum"/> is PostgreSQL's <c>server_version_num</c> (e.g. 130014 for 13.14, 140000 for 14.0).
    /// </summary>
    internal static string? UnsupportedServerMessage(int serverVersionNum, string serverVersion) =>
        serverVersionNum >= MinimumPostgresMajorVersion * 10000
            ? null
            : $"The server runs PostgreSQL {serverVersion} (server_version_num {serverVersionNum}); Threadline needs PostgreSQL {MinimumPostgresMajorVersion} or later " +
              "(the audit schema uses multiranges: int8multirange, range_agg). Upgrade the server; nothing was changed.";

    private static int CheckTarget(int? toVersion)
    {
        var target = toVersion ?? LatestVersion;
        if (target != LatestVersion)
        {
            throw new ArgumentOutOfRangeException(nameof(toVersion), toVersion, target < BaselineVersion
                ? $"Threadline schema versions start at {BaselineVersion}, the baseline: the unreleased versions 1 to {BaselineVersion - 1} were collapsed into it and cannot be installed. Omit the version to install {LatestVersion}."
                : $"This library installs schema version {LatestVersion} only: its function definitions (Sql/Functions) belong to that version's tables. To stop at version {target}, use the Threadline release whose latest version it is.");
        }

        return target;
    }

    private string Bootstrap()
    {
        var roles = new[] { Options.OwnerRole, Options.ReaderRole, Options.RetentionRole, Options.WriterRole };
        var sql = new StringBuilder();
        foreach (var role in roles.Distinct(StringComparer.Ordinal))
        {
            sql.AppendLine($"""
                DO $roles$ BEGIN
                    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = {SqlIdentifier.Literal(role)}) THEN
                        CREATE ROLE {SqlIdentifier.Quote(role)} NOLOGIN;
                    END IF;
                END $roles$;
                """);
        }

        sql.AppendLine(OwnerMembership());
        sql.AppendLine($"CREATE SCHEMA IF NOT EXISTS {AuditSchemaNames.For(Options).Schema} AUTHORIZATION {SqlIdentifier.Quote(Options.OwnerRole)};");
        sql.AppendLine($"""
            CREATE TABLE IF NOT EXISTS {AuditSchemaNames.For(Options).SchemaVersions} (
                version integer PRIMARY KEY,
                name text NOT NULL,
                installed_at timestamptz NOT NULL DEFAULT now());
            ALTER TABLE {AuditSchemaNames.For(Options).SchemaVersions} OWNER TO {SqlIdentifier.Quote(Options.OwnerRole)};
            """);
        return sql.ToString();
    }

    /// <summary>
    /// Without SUPERUSER (the admin role of a managed service) the installer must be a member of the owner role to create
    /// the schema AUTHORIZATION it and hand it objects (PostgreSQL 16 and later: with SET, and INHERIT to create in its
    /// schema). A role with CREATEROLE may grant itself the owner role: on 14 and 15 any role, on 16 and later one it has
    /// ADMIN on, which it has on the roles it created. Otherwise this stops with what to run instead. A superuser, or a
    /// role that already has the owner's privileges, is not changed.
    /// </summary>
    private string OwnerMembership()
    {
        var owner = SqlIdentifier.Literal(Options.OwnerRole);
        return $"""
            DO $member$ BEGIN
                IF NOT pg_catalog.pg_has_role(current_user, {owner}, 'USAGE') THEN
                    BEGIN
                        EXECUTE format('GRANT %I TO %I', {owner}, current_user);
                    EXCEPTION WHEN insufficient_privilege THEN
                        RAISE EXCEPTION 'threadline: the role % installs the audit schema but is not a member of %, and may not make itself one', current_user, {owner}
                            USING ERRCODE = '42501',
                                  HINT = format('As a role with ADMIN OPTION on %1$I (its creator on PostgreSQL 16 and later, or a superuser), run: GRANT %1$I TO %2$I; then install again. docs/deployment.md, "Managed PostgreSQL".', {owner}, current_user);
                    END;
                END IF;
            END $member$;
            """;
    }

    private string RecordVersion(SchemaMigration migration) =>
        $"INSERT INTO {AuditSchemaNames.For(Options).SchemaVersions} (version, name) VALUES ({migration.Version}, {SqlIdentifier.Literal(migration.Name)});";

    private static string TablePart(SchemaMigration migration)
    {
        var marker = AfterFunctionsMarker().Match(migration.Sql);
        return marker.Success ? migration.Sql[..marker.Index] : migration.Sql;
    }

    private static string? AfterFunctionsPart(SchemaMigration migration)
    {
        var marker = AfterFunctionsMarker().Match(migration.Sql);
        return marker.Success ? migration.Sql[marker.Index..] : null;
    }

    private static IReadOnlyList<SchemaMigration> LoadMigrations()
    {
        var assembly = typeof(SchemaInstaller).Assembly;
        var migrations = new List<SchemaMigration>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            var match = MigrationName().Match(resource);
            if (!match.Success)
            {
                continue;
            }

            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            migrations.Add(new SchemaMigration(int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), match.Groups[2].Value, reader.ReadToEnd()));
        }

        return migrations.OrderBy(m => m.Version).ToArray();
    }

    private static IReadOnlyList<SchemaFunction> LoadFunctions()
    {
        var assembly = typeof(SchemaInstaller).Assembly;
        string Read(string resource)
        {
            using var stream = assembly.GetManifestResourceStream(resource)
                ?? throw new InvalidOperationException($"The embedded resource {resource} is missing.");
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }

        var order = Read(FunctionsPrefix + "order.txt")
            .Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Where(line => !line.StartsWith('#'));
        return order.Select(name => new SchemaFunction(name, Read(FunctionsPrefix + name + ".sql"))).ToArray();
    }

    [GeneratedRegex(@"\.V(\d+)__(\w+)\.sql$")]
    private static partial Regex MigrationName();

    // Splits a version script: what follows this line (the whole line, nothing else on it) runs after the function files.
    [GeneratedRegex(@"^-- threadline:after-functions\r?$", RegexOptions.Multiline)]
    private static partial Regex AfterFunctionsMarker();
}
