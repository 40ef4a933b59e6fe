using System.Text.RegularExpressions;

namespace Threadline.UnitTests.DocsTests;

/// <summary>
/// getting-started.md's table of the dashboard's operator commands names exactly the commands the AppHost registers
/// (<c>Threadline.AppHost/OperatorCommands.cs</c>), and its count says how many. Fast: reads files only.
/// </summary>
public sealed partial class OperatorCommandsDocsTests
{
    private static readonly string[] Numbers = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"];

    [Fact]
    public void The_getting_started_table_lists_every_operator_command_of_the_AppHost()
    {
        var registered = WithCommand().Matches(Repository.Read("Threadline.AppHost/OperatorCommands.cs"))
            .Select(m => m.Groups["display"].Value).Order(StringComparer.Ordinal).ToList();
        var doc = Repository.Read("docs/getting-started.md");
        var documented = TableCommand().Matches(doc).Select(m => m.Groups["display"].Value).Order(StringComparer.Ordinal).ToList();
        var count = Count().Match(doc);

        Assert.Equal(6, registered.Count);
        Assert.Equal(registered, documented);
        Assert.True(count.Success, "getting-started.md no longer says how many operator commands the dashboard has");
        Assert.Equal(Numbers[registered.Count], count.Groups["count"].Value);
    }

    [GeneratedRegex(@"WithCommand\(""[^""]+"", ""(?<display>[^""]+)""")]
    private static partial Regex WithCommand();

    [GeneratedRegex(@"^\| `[^`]+`[^|]*\| \*\*(?<display>[^*]+)\*\* \|", RegexOptions.Multiline)]
    private static partial Regex TableCommand();

    [GeneratedRegex(@"The dashboard has (?<count>\w+) operator commands")]
    private static partial Regex Count();
}
