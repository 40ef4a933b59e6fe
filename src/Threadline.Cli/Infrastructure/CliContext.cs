using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using Npgsql;
using Threadline.Schema;

namespace Threadline.Cli;

/// <summary>One command's run: its parse result, writers, output mode and database connection.</summary>
internal sealed class CliContext(CliApplication app, ParseResult parse, TextWriter output, TextWriter error, CliEnvironment environment)
{
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    private string? _connectionString;
    private (ThreadlineSchemaOptions Options, string Source)? _auditSchema;

    public ParseResult Parse { get; } = parse;

    public TextWriter Out { get; } = output;

    public TextWriter Err { get; } = error;

    public CliEnvironment Environment { get; } = environment;

    /// <summary>Machine output: one JSON document on standard output.</summary>
    public bool Json => Parse.GetValue(app.Json);

    /// <summary>Standard output carries data (export to '-'): errors then stay off it, even with --json.</summary>
    public bool StdoutIsData { get; set; }

    public T? Value<T>(Option<T> option) => Parse.GetValue(option);

    public T? Value<T>(Argument<T> argument) => Parse.GetValue(argument);

    public bool HasConnection => !string.IsNullOrWhiteSpace(Parse.GetValue(app.Connection))
        || !string.IsNullOrWhiteSpace(Environment.GetVariable(CliEnvironment.ConnectionVariable));

    /// <summary>--connection, else THREADLINE_CONNECTION; checked for syntax, with an application name added.</summary>
    public string ConnectionString => _connectionString ??= ResolveConnectionString();

    /// <summary>--audit-schema, else THREADLINE_AUDIT_SCHEMA, else threadline; with the default role names.</summary>
    public ThreadlineSchemaOptions AuditSchema => (_auditSchema ??= ResolveAuditSchema()).Options;

    /// <summary>Where the audit schema's name came from, for messages.</summary>
    public string AuditSchemaSource => (_auditSchema ??= ResolveAuditSchema()).Source;

    /// <summary>The audit schema with the role names given on this command (the defaults for those not given).</summary>
    public ThreadlineSchemaOptions AuditSchemaWith(AuditRoleOptions? roles) => roles is null ? AuditSchema : roles.Apply(this, AuditSchema);

    /// <summary>host:port/database as user, for messages (never the password).</summary>
    public string Target
    {
        get
        {
            var builder = new NpgsqlConnectionStringBuilder(ConnectionString);
            return $"{builder.Host ?? "localhost"}:{builder.Port}/{builder.Database ?? builder.Username ?? "(default database)"} as {builder.Username ?? "(default user)"}";
        }
    }

    /// <summary>Opens the connection; any failure to connect or log in becomes exit code 3 with a clear message.</summary>
    public Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken) =>
        OpenAsync(new NpgsqlConnection(ConnectionString), cancellationToken);

    private async Task<NpgsqlConnection> OpenAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            await connection.DisposeAsync();
            throw ErrorReporter.ConnectFailure(ex, Target);
        }
    }

    /// <summary>
    /// Opens the connection and refuses (exit 4, naming the schema and --audit-schema) when the audit schema is not
    /// installed in that database; with <paramref name="roles"/>, also when it was installed with other role names.
    /// </summary>
    public async Task<NpgsqlConnection> OpenAuditAsync(CancellationToken cancellationToken, AuditRoleOptions? roles = null)
    {
        var connection = await OpenAsync(cancellationToken);
        try
        {
            await AuditSchemaGuard.RequireInstalledAsync(connection, this, roles, cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public NpgsqlDataSource CreateDataSource() => NpgsqlDataSource.Create(ConnectionString);

    /// <summary>The check of <see cref="OpenAuditAsync"/>, on a connection of <paramref name="dataSource"/> (export).</summary>
    public async Task RequireAuditSchemaAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(dataSource.CreateConnection(), cancellationToken);
        await AuditSchemaGuard.RequireInstalledAsync(connection, this, null, cancellationToken);
    }

    public void WriteJson(object value)
    {
        Out.WriteLine(JsonSerializer.Serialize(value, JsonOptions));
    }

    public static string ToJson(object value) => JsonSerializer.Serialize(value, JsonOptions);

    private (ThreadlineSchemaOptions, string) ResolveAuditSchema()
    {
        // The option's own parser has checked a given value; the variable is checked here, with the same rules.
        if (Parse.GetValue(app.AuditSchema) is { } given)
        {
            return (new ThreadlineSchemaOptions { Schema = given }, $"given with {AuditSchemaOption.Name}");
        }

        var variable = Environment.GetVariable(CliEnvironment.AuditSchemaVariable);
        if (string.IsNullOrEmpty(variable))
        {
            return (ThreadlineSchemaOptions.Default, $"the default: neither {AuditSchemaOption.Name} nor {CliEnvironment.AuditSchemaVariable} is set");
        }

        if (AuditSchemaOption.Problem(variable) is { } problem)
        {
            throw new UsageException(
                $"Invalid value '{variable}' in {CliEnvironment.AuditSchemaVariable}: {problem}.",
                $"Set it to the schema Threadline is installed in, or unset it for the default ({AuditSchemaOption.Default}); {AuditSchemaOption.Name} overrides it.");
        }

        return (new ThreadlineSchemaOptions { Schema = variable }, $"from {CliEnvironment.AuditSchemaVariable}");
    }

    private string ResolveConnectionString()
    {
        var given = Parse.GetValue(app.Connection);
        var source = "--connection";
        if (string.IsNullOrWhiteSpace(given))
        {
            given = Environment.GetVariable(CliEnvironment.ConnectionVariable);
            source = CliEnvironment.ConnectionVariable;
        }

        if (string.IsNullOrWhiteSpace(given))
        {
            throw new UsageException(
                $"No database connection: give --connection or set {CliEnvironment.ConnectionVariable}.",
                "For example: --connection \"Host=127.0.0.1;Port=5432;Database=app;Username=threadline_admin\" (the password can come from PGPASSWORD or ~/.pgpass).");
        }

        try
        {
            var builder = new NpgsqlConnectionStringBuilder(given);
            if (string.IsNullOrEmpty(builder.ApplicationName))
            {
                builder.ApplicationName = "threadline-cli";
            }

            return builder.ConnectionString;
        }
        catch (ArgumentException ex)
        {
            throw new UsageException($"{source} is not a valid Npgsql connection string: {ex.Message}", "Write it as Key=Value pairs separated by ';', e.g. Host=127.0.0.1;Database=app;Username=me.");
        }
    }
}
