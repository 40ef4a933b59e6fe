using System.Text;
using System.Text.RegularExpressions;

namespace Threadline.UnitTests.DocsTests;

/// <summary>
/// How a ```sql block of the docs is run (by Threadline.IntegrationTests' DocsSqlBlockTests, on the platform's
/// database inside a transaction that is rolled back):
/// <list type="bullet">
/// <item>statements are split at semicolons; the block's own <c>BEGIN;</c> and <c>COMMIT;</c> are left out, the
/// test's transaction stands in for them;</item>
/// <item><c>\copy (query) TO 'file' ...</c> runs as <c>COPY (query) TO STDOUT ...</c>; no other psql command is
/// allowed;</item>
/// <item>placeholders <c>$1</c> and <c>@name</c> are bound to <see cref="SampleValues"/>;</item>
/// <item><c>&lt;!-- docs-test: sql [as ROLE] [rows] [given STATEMENTS] --&gt;</c> above the fence: <c>given</c> runs
/// STATEMENTS first, as the test's superuser (e.g. creates the roles the block grants to, or seeds the rows it reads);
/// <c>as ROLE</c> runs the block itself after <c>SET LOCAL ROLE ROLE</c>, the role the docs say it is run as (the
/// reader role <c>threadline_auditor</c> for the playbook's queries), so a block that role may not run fails;
/// <c>rows</c> fails the block when its last statement returns no row (for a block whose <c>given</c> seeds what it
/// should find).</item>
/// </list>
/// </summary>
internal static partial class SqlBlock
{
    public const string SampleContext = """{"actor":{"type":"system","id":"docs-test"}}""";

    /// <summary>The value each placeholder the docs use is bound to; a block with any other placeholder fails.</summary>
    public static IReadOnlyDictionary<string, object> SampleValues { get; } = new Dictionary<string, object>(StringComparer.Ordinal)
    {
        ["$1"] = SampleContext,
        ["@threadline_context"] = SampleContext,
        ["@p"] = "docs-test",
        ["@id"] = 1L,
    };

    /// <summary>The statements to run first, from <c>&lt;!-- docs-test: sql ... given ... --&gt;</c>.</summary>
    public static List<SqlStep> Given(CodeBlock block)
    {
        var match = Annotation().Match(block.Annotation);
        return match.Success && match.Groups["sql"].Success ? Steps(match.Groups["sql"].Value) : [];
    }

    /// <summary>The role the block runs as, from <c>&lt;!-- docs-test: sql as ROLE ... --&gt;</c>; null: the test's superuser.</summary>
    public static string? Role(CodeBlock block)
    {
        var match = Annotation().Match(block.Annotation);
        return match.Success && match.Groups["role"].Success ? match.Groups["role"].Value : null;
    }

    /// <summary>Whether the block's last statement must return a row (<c>&lt;!-- docs-test: sql ... rows ... --&gt;</c>).</summary>
    public static bool ExpectsRows(CodeBlock block)
    {
        var match = Annotation().Match(block.Annotation);
        return match.Success && match.Groups["rows"].Success;
    }

    /// <summary>Whether an annotation above a ```sql fence is one this runner understands (at least one part).</summary>
    public static bool IsAnnotation(string annotation) =>
        Annotation().Match(annotation) is { Success: true } match
        && (match.Groups["role"].Success || match.Groups["rows"].Success || match.Groups["sql"].Success);

    /// <summary>The block's statements as run; throws on a psql command other than <c>\copy ... TO</c>.</summary>
    public static List<SqlStep> Steps(string sql)
    {
        var steps = new List<SqlStep>();
        foreach (var statement in Split(sql))
        {
            var text = statement.Trim();
            var code = WithoutLiteralsAndComments(text).Trim();
            if (code.Length == 0 || IsTransactionControl().IsMatch(code))
            {
                continue;
            }

            var copyOut = false;
            if (text.StartsWith('\\'))
            {
                var copy = PsqlCopyOut().Match(text);
                if (!copy.Success)
                {
                    throw new FormatException($"Only psql's \\copy (query) TO 'file' can run in a docs test, not: {text.Split('\n')[0]}");
                }

                text = $"COPY ({copy.Groups["query"].Value}) TO STDOUT {copy.Groups["options"].Value}".TrimEnd();
                copyOut = true;
            }

            var placeholders = Placeholder().Matches(WithoutLiteralsAndComments(text)).Select(m => m.Value).Distinct().ToList();
            steps.Add(new SqlStep(text, copyOut, placeholders));
        }

        return steps;
    }

    /// <summary>Splits at semicolons outside quotes and comments; a psql command ends at its line's end.</summary>
    private static IEnumerable<string> Split(string sql)
    {
        var current = new StringBuilder();
        var masked = WithoutLiteralsAndComments(sql);
        for (var i = 0; i < sql.Length; i++)
        {
            var psqlLine = current.ToString().TrimStart().StartsWith('\\');
            if ((masked[i] == ';' && !psqlLine) || (sql[i] == '\n' && psqlLine))
            {
                yield return current.ToString();
                current.Clear();
                continue;
            }

            current.Append(sql[i]);
        }

        if (WithoutLiteralsAndComments(current.ToString()).Trim().Length > 0)
        {
            yield return current.ToString();
        }
    }

    /// <summary>The text with quoted literals, quoted identifiers and -- comments blanked (same length).</summary>
    private static string WithoutLiteralsAndComments(string sql)
    {
        var masked = sql.ToCharArray();
        char? quote = null;
        var comment = false;
        for (var i = 0; i < masked.Length; i++)
        {
            var c = sql[i];
            if (comment)
            {
                comment = c != '\n';
                masked[i] = comment ? ' ' : c;
            }
            else if (quote is { } q)
            {
                quote = c == q ? null : quote;
                masked[i] = ' ';
            }
            else if (c is '\'' or '"')
            {
                quote = c;
                masked[i] = ' ';
            }
            else if (c == '-' && i + 1 < sql.Length && sql[i + 1] == '-')
            {
                comment = true;
                masked[i] = ' ';
            }
        }

        return new string(masked);
    }

    [GeneratedRegex(@"^(BEGIN|COMMIT|START TRANSACTION)$", RegexOptions.IgnoreCase)]
    private static partial Regex IsTransactionControl();

    [GeneratedRegex(@"^\\copy\s+\((?<query>.*)\)\s+TO\s+'[^']*'\s*(?<options>.*)$", RegexOptions.Singleline)]
    private static partial Regex PsqlCopyOut();

    // $1, or @name not preceded by a word character or @ (so the @> operator and e-mail-like text are not parameters).
    [GeneratedRegex(@"\$\d+|(?<![\w@])@[A-Za-z_]\w*")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"^sql(?:\s+as\s+(?<role>[a-z_][a-z0-9_]*))?(?:\s+(?<rows>rows))?(?:\s+given\s+(?<sql>\S.*))?\s*$", RegexOptions.Singleline)]
    private static partial Regex Annotation();
}
