using System.CommandLine;
using System.Globalization;
using System.Text;
using Threadline.Schema;

namespace Threadline.Cli;

/// <summary>Options with parsers whose errors name the option and say what a good value looks like.</summary>
internal static class Options
{
    public static Option<int?> WholeNumber(string name, string description, int min, int max, string helpName = "N")
    {
        var option = new Option<int?>(name) { Description = description, HelpName = helpName };
        option.CustomParser = result =>
        {
            var token = result.Tokens.Count > 0 ? result.Tokens[0].Value : null;
            if (token is not null && int.TryParse(token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
            {
                return value;
            }

            result.AddError($"Invalid value '{token}' for {name}: give a whole number from {min.ToString("N0", CultureInfo.InvariantCulture)} to {max.ToString("N0", CultureInfo.InvariantCulture)}.");
            return null;
        };
        return option;
    }

    public static Option<TimeSpan?> Duration(string name, string description)
    {
        var option = new Option<TimeSpan?>(name) { Description = description, HelpName = "duration" };
        option.CustomParser = result =>
        {
            var token = result.Tokens.Count > 0 ? result.Tokens[0].Value : null;
            if (Durations.TryParse(token, out var value))
            {
                return value;
            }

            result.AddError($"Invalid duration '{token}' for {name}: write {Durations.Syntax}.");
            return null;
        };
        return option;
    }

    public static Option<DateTimeOffset?> Time(string name, string description)
    {
        var option = new Option<DateTimeOffset?>(name) { Description = description, HelpName = "time" };
        option.CustomParser = result =>
        {
            var token = result.Tokens.Count > 0 ? result.Tokens[0].Value : null;
            if (token is not null
                && (token.EndsWith('Z') || token.EndsWith("z", StringComparison.Ordinal) || token.LastIndexOfAny(['+', '-']) > token.IndexOf('T', StringComparison.Ordinal))
                && token.Contains('T', StringComparison.Ordinal)
                && DateTimeOffset.TryParse(token, CultureInfo.InvariantCulture, DateTimeStyles.None, out var value))
            {
                return value;
            }

            result.AddError($"Invalid time '{token}' for {name}: write an ISO 8601 time with an offset, e.g. 2026-11-27T14:00:00Z.");
            return null;
        };
        return option;
    }

    /// <summary>An option naming a PostgreSQL schema or role; a name PostgreSQL would refuse or change is a usage error.</summary>
    public static Option<string?> Identifier(string name, string description, string helpName = "name", Func<string, string?>? problemOf = null)
    {
        problemOf ??= IdentifierProblem;
        var option = new Option<string?>(name) { Description = description, HelpName = helpName };
        option.CustomParser = result =>
        {
            var token = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
            if (problemOf(token) is { } problem)
            {
                result.AddError($"Invalid value '{token}' for {name}: {problem}.");
                return null;
            }

            return token;
        };
        return option;
    }

    /// <summary>Why PostgreSQL would refuse or silently change this schema or role name; null when it is fine.</summary>
    public static string? IdentifierProblem(string text)
    {
        if (text.Length == 0)
        {
            return "the name is empty";
        }

        if (text.Trim().Length != text.Length)
        {
            return "the name starts or ends with white space";
        }

        if (Encoding.UTF8.GetByteCount(text) > SqlIdentifier.MaxBytes)
        {
            return $"the name is longer than {SqlIdentifier.MaxBytes} bytes, which PostgreSQL would silently truncate";
        }

        if (text.Any(char.IsControl))
        {
            return "the name contains a control character";
        }

        // PostgreSQL reserves pg_ for system schemas and roles; it refuses to create either under such a name.
        return text.StartsWith("pg_", StringComparison.Ordinal) ? "names starting with pg_ are reserved by PostgreSQL" : null;
    }

    /// <summary>A repeatable option taking one value per occurrence.</summary>
    public static Option<string[]> Repeated(string name, string description, string helpName) =>
        new(name) { Description = description, HelpName = helpName, Arity = ArgumentArity.OneOrMore, AllowMultipleArgumentsPerToken = false, DefaultValueFactory = _ => [] };

    /// <summary>Splits name=value at the first '='; both sides must be non-empty.</summary>
    public static (string Name, string Value) Pair(string option, string text, string example)
    {
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0 || equals == text.Length - 1)
        {
            throw new UsageException($"Invalid value '{text}' for {option}: write name=value, e.g. {option} {example}.");
        }

        return (text[..equals].Trim(), text[(equals + 1)..]);
    }

    /// <summary>Checks a schema.table name (exactly one dot, both parts non-empty).</summary>
    public static string QualifiedTable(string option, string text)
    {
        if (text.Split('.') is not [{ Length: > 0 }, { Length: > 0 }])
        {
            throw new UsageException($"Invalid table '{text}' for {option}: write schema.table, e.g. public.orders.");
        }

        return text;
    }
}
