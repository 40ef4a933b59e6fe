using System.Reflection;
using System.Text.RegularExpressions;
using Threadline.AspNetCore;

namespace Threadline.UnitTests.DocsTests;

/// <summary>
/// docs/troubleshooting.md's SQLSTATE table stays true: every constant of <see cref="ThreadlineSqlStates"/> has a row
/// with its code and name, every SQLSTATE the schema raises (an <c>ERRCODE</c> in the migrations, the statements or the
/// generated capture SQL) has a constant, and every problem type the refusal handler answers with is in the table.
/// </summary>
public sealed partial class TroubleshootingDocsTests
{
    private const string Doc = "docs/troubleshooting.md";

    [Fact]
    public void Every_sqlstate_constant_has_a_row_in_the_table_with_its_code_and_name()
    {
        var rows = TableRows();
        var missing = Constants()
            .Where(c => !rows.Any(r => r.Code == c.Value && r.Name == c.Name))
            .Select(c => $"{c.Name} ({c.Value})")
            .ToList();

        Assert.True(missing.Count == 0, $"{Doc} has no table row for: {string.Join(", ", missing)}");
    }

    [Fact]
    public void Every_sqlstate_the_schema_raises_has_a_constant()
    {
        var sources = Directory.EnumerateFiles(Repository.PathOf("src/Threadline/Sql"), "*.sql", SearchOption.AllDirectories)
            .Concat(Directory.EnumerateFiles(Repository.PathOf("src/Threadline/Capture"), "*.cs"));
        var raised = sources.SelectMany(f => ErrCode().Matches(File.ReadAllText(f)).Select(m => m.Groups["code"].Value)).ToHashSet(StringComparer.Ordinal);
        var constants = Constants().Select(c => c.Value).ToHashSet(StringComparer.Ordinal);

        Assert.Contains("TL001", raised);
        Assert.Empty(raised.Except(constants));
    }

    [Fact]
    public void Every_problem_type_of_the_refusal_handler_is_in_the_table()
    {
        var types = typeof(ThreadlineRefusalHandler).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.Name.EndsWith("Type", StringComparison.Ordinal))
            .Select(f => (string)f.GetRawConstantValue()!)
            .ToList();
        var table = string.Join('\n', TableRows().Select(r => r.Line));

        Assert.Equal(5, types.Count);
        Assert.All(types, t => Assert.Contains($"`{t}`", table, StringComparison.Ordinal));
    }

    private static IEnumerable<(string Name, string Value)> Constants() =>
        typeof(ThreadlineSqlStates).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral)
            .Select(f => (f.Name, (string)f.GetRawConstantValue()!));

    private static List<(string Code, string Name, string Line)> TableRows() =>
        Repository.Read(Doc).Split('\n')
            .Select(line => (Line: line, Match: Row().Match(line)))
            .Where(r => r.Match.Success)
            .Select(r => (r.Match.Groups["code"].Value, r.Match.Groups["name"].Value, r.Line))
            .ToList();

    // | `TL003` | `AnonymousActorRefused` | ...
    [GeneratedRegex(@"^\| `(?<code>[0-9A-Z]{5})` \| `?(?<name>[^|`]+?)`? \|")]
    private static partial Regex Row();

    [GeneratedRegex(@"ERRCODE\s*=\s*'(?<code>[0-9A-Z]{5})'")]
    private static partial Regex ErrCode();
}
