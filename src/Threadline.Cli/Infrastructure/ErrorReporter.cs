using System.Net.Sockets;
using Npgsql;
using Threadline.Capture;
using Threadline.Query;

namespace Threadline.Cli;

/// <summary>Turns every expected failure into a message, a hint and an exit code; never a stack trace.</summary>
internal static class ErrorReporter
{
    public static int Report(Exception exception, CliContext context)
    {
        var (code, message, hint) = Classify(exception, context);
        context.Err.WriteLine($"threadline: {message}");
        if (!string.IsNullOrWhiteSpace(hint))
        {
            context.Err.WriteLine($"hint: {hint}");
        }

        if (code == ExitCodes.Internal)
        {
            context.Err.WriteLine(context.Environment.Debug
                ? exception.ToString()
                : $"This is unexpected. Set {CliEnvironment.DebugVariable}=1 to see the stack trace, and report it.");
        }

        if (context.Json && !context.StdoutIsData)
        {
            context.WriteJson(new { ok = false, exitCode = code, error = message, hint });
        }

        return code;
    }

    /// <summary>A failure to open a connection: unreachable server, refused login, unknown database.</summary>
    public static CliException ConnectFailure(Exception exception, string target)
    {
        var (_, message, hint) = Classify(exception, null, target);
        return new CliException(ExitCodes.Unreachable, message, hint);
    }

    private static (int Code, string Message, string? Hint) Classify(Exception exception, CliContext? context, string? knownTarget = null)
    {
        string Target()
        {
            if (knownTarget is not null)
            {
                return knownTarget;
            }

            try
            {
                return context?.Target ?? "the database";
            }
            catch (CliException)
            {
                return "the database";
            }
        }

        switch (exception)
        {
            case CliException cli:
                return (cli.ExitCode, cli.Message, cli.Hint);
            case AuditQueryException query:
                return (ExitCodes.Usage, $"Invalid filter {FilterOptions.Describe(query.Parameter)}: {query.Message}", "Filters take the same names and values as the admin HTTP API; see 'threadline export --help'.");
            case CaptureException capture:
                return (ExitCodes.Refused, $"Refused: {capture.Message}",
                    capture.Message.Contains("KeyColumns", StringComparison.Ordinal) ? "On the command line, name the key columns with --key <column> (once per column)." : null);
            case PostgresException pg when IsConnectionProblem(pg.SqlState):
                return (ExitCodes.Unreachable, $"Cannot connect to {Target()}: {pg.MessageText} (SQLSTATE {pg.SqlState}).", ConnectHint(pg));
            case PostgresException pg:
                return (ExitCodes.Refused, $"The database refused the operation: {pg.MessageText} (SQLSTATE {pg.SqlState}).{(pg.Detail is { Length: > 0 } detail ? $" {detail}" : "")}", pg.Hint ?? RefusalHint(pg, AuditSchemaName(context)));
            case NpgsqlException npgsql:
                return (ExitCodes.Unreachable, $"Cannot reach {Target()}: {Reason(npgsql)}", "Check that PostgreSQL (or PgBouncer) is running and that host and port are right; try psql with the same settings.");
            case TimeoutException timeout:
                return (ExitCodes.Unreachable, $"Cannot reach {Target()}: {timeout.Message}", "Raise Timeout=... in the connection string if the server is slow to answer.");
            case OperationCanceledException:
                return (ExitCodes.Interrupted, "Interrupted; the step in progress was rolled back.", null);
            case ArgumentException argument:
                return (ExitCodes.Usage, argument.Message, null);
            case InvalidOperationException invalid:
                return (ExitCodes.Refused, $"Refused: {invalid.Message}", null);
            case IOException io:
                return (ExitCodes.Refused, $"I/O error: {io.Message}", null);
            case UnauthorizedAccessException denied:
                return (ExitCodes.Refused, $"Access denied: {denied.Message}", null);
            default:
                return (ExitCodes.Internal, $"Unexpected error ({exception.GetType().Name}): {exception.Message}", null);
        }
    }

    /// <summary>Connection exceptions (08), authentication (28), unknown database, server starting or full.</summary>
    private static bool IsConnectionProblem(string sqlState) =>
        sqlState.StartsWith("08", StringComparison.Ordinal) || sqlState.StartsWith("28", StringComparison.Ordinal)
        || sqlState is "3D000" or "57P03" or "53300" or "57P01";

    // PgBouncer reports a failed SCRAM exchange as 08P01 "SASL authentication failed", PostgreSQL as 28P01.
    private static string? ConnectHint(PostgresException pg) => pg.SqlState switch
    {
        _ when pg.SqlState == "28P01" || pg.MessageText.Contains("authentication failed", StringComparison.OrdinalIgnoreCase) => "Authentication failed: check the user name and password in --connection or THREADLINE_CONNECTION (or PGPASSWORD).",
        "28000" => "The server does not allow this user to connect from here (pg_hba.conf, or PgBouncer's auth_file).",
        "3D000" => "The database does not exist: check Database=... in the connection string.",
        "53300" => "The server (or pooler) has no free connection slot; try again later.",
        "57P03" => "The server is starting up or shutting down; try again in a moment.",
        _ => null,
    };

    private static string AuditSchemaName(CliContext? context)
    {
        try
        {
            return context?.AuditSchema.Schema ?? AuditSchemaOption.Default;
        }
        catch (CliException)
        {
            return AuditSchemaOption.Default;
        }
    }

    private static string? RefusalHint(PostgresException pg, string auditSchema) => pg.SqlState switch
    {
        "3F000" or "42P01" or "42883" when pg.MessageText.Contains(auditSchema, StringComparison.Ordinal) =>
            $"Is the Threadline schema installed in this database as {auditSchema}? Run 'threadline schema install' (on a direct connection, as an owner), or give {AuditSchemaOption.Name} the schema it was installed in.",
        "42501" => "The connected role lacks a privilege: run it as a role that owns the tables (or is in the right threadline_* group).",
        "25006" => "The connection is read-only (a replica or default_transaction_read_only); connect to the primary.",
        _ => null,
    };

    private static string Reason(Exception exception)
    {
        var reasons = new List<string>();
        for (var current = exception; current is not null; current = current.InnerException)
        {
            var text = current switch
            {
                SocketException socket => socket.SocketErrorCode switch
                {
                    SocketError.ConnectionRefused => "connection refused (nothing listens on that host and port)",
                    SocketError.HostNotFound or SocketError.NoData => "host not found",
                    SocketError.TimedOut => "timed out",
                    _ => socket.Message,
                },
                TimeoutException => "timed out",
                _ => current.Message.TrimEnd('.'),
            };
            if (!reasons.Contains(text, StringComparer.Ordinal))
            {
                reasons.Add(text);
            }
        }

        return string.Join(": ", reasons) + ".";
    }
}
