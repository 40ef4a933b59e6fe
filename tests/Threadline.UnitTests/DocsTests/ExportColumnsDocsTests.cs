using System.Text.RegularExpressions;
using Threadline.Query;

namespace Threadline.UnitTests.DocsTests;

/// <summary>investigation.md names the export's columns in the order the exporter writes them. Fast: reads files only.</summary>
public sealed partial class ExportColumnsDocsTests
{
    [Fact]
    public void The_documented_export_columns_are_the_exporters_in_order()
    {
        var match = Columns().Match(Markdown.WithoutCode(Repository.Read("docs/investigation.md")));
        Assert.True(match.Success, "investigation.md no longer lists the export columns as 'Columns: `a, b, ...`'");

        var documented = Regex.Split(match.Groups["list"].Value, @",\s*");

        Assert.Equal(AuditExporter.Columns, documented);
    }

    [GeneratedRegex(@"Columns: `(?<list>[^`]+)`")]
    private static partial Regex Columns();
}
