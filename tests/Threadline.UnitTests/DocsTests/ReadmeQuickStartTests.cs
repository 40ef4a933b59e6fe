using System.Text.RegularExpressions;

namespace Threadline.UnitTests.DocsTests;

/// <summary>
/// The README's commands, links and repository layout point at things that exist, and its test command is the one
/// CI runs. Fast: reads files only.
/// </summary>
public sealed partial class ReadmeQuickStartTests
{
    private const string Readme = "README.md";

    [Fact]
    public void Every_dotnet_and_bash_command_in_the_README_names_a_project_or_file_that_exists()
    {
        var targets = CommandTargets(Repository.Read(Readme)).ToList();

        Assert.Contains(targets, t => t.Command == "dotnet test Threadline.sln");
        Assert.Contains(targets, t => t.Command.StartsWith("dotnet run --project Threadline.AppHost", StringComparison.Ordinal));
        var missing = targets.Where(t => !Repository.Exists(t.Target)).Select(t => $"'{t.Command}' names {t.Target}, which does not exist").ToList();
        Assert.True(missing.Count == 0, string.Join("\n", missing));
    }

    [Fact]
    public void The_README_test_command_is_exactly_what_ci_runs()
    {
        const string command = "dotnet test Threadline.sln";
        var ci = Repository.Read(".ci/run").Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n').Select(l => l.Trim());

        Assert.Contains(CommandTargets(Repository.Read(Readme)), t => t.Command == command);
        Assert.Contains(ci, l => l == command || l.StartsWith(command + " ", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_relative_link_in_the_README_resolves()
    {
        var links = Markdown.RelativeLinks(Repository.Read(Readme)).ToList();

        Assert.NotEmpty(links);
        var broken = links.Where(l => !Repository.Exists(Uri.UnescapeDataString(l))).ToList();
        Assert.True(broken.Count == 0, "Broken links in README.md: " + string.Join(", ", broken));
    }

    [Fact]
    public void Every_path_in_the_README_repository_layout_exists()
    {
        var paths = LayoutPaths(Repository.Read(Readme)).ToList();

        Assert.Contains("Threadline.sln", paths);
        var missing = paths.Where(p => !Repository.Exists(p)).ToList();
        Assert.True(missing.Count == 0, "The README's repository layout lists paths that do not exist: " + string.Join(", ", missing));
    }

    [Fact]
    public void A_command_or_layout_entry_that_drifted_is_caught()
    {
        const string drifted = """
            Run it:

            ```bash
            dotnet run --project Threadline.AppHst
            bash .ci/runner
            ```

            Or `dotnet test tests/Threadline.Tests`.

            ## Repository layout

            ```text
            Threadline.sln
            src/Threadline.Gone/               moved away
            ```
            """;

        var missing = CommandTargets(drifted).Where(t => !Repository.Exists(t.Target)).Select(t => t.Target).ToList();

        Assert.Equal(["Threadline.AppHst", ".ci/runner", "tests/Threadline.Tests"], missing);
        Assert.Equal(["src/Threadline.Gone/"], LayoutPaths(drifted).Where(p => !Repository.Exists(p)));
    }

    internal sealed record CommandTarget(string Command, string Target);

    /// <summary>
    /// Each <c>dotnet run|test|build|publish</c> and <c>bash</c>/<c>sh</c> command in shell code blocks and inline code, with the
    /// project, solution or script it names (<c>--project X</c>, or the first argument).
    /// </summary>
    internal static IEnumerable<CommandTarget> CommandTargets(string markdown)
    {
        var shellBlocks = Markdown.CodeBlocks(Readme, markdown)
            .Where(b => b.Language is "bash" or "sh" or "shell" or "console")
            .SelectMany(b => b.Content.Replace("\\\n", " ", StringComparison.Ordinal).Split('\n'));
        var inline = InlineCode().Matches(Markdown.WithoutCode(markdown)).Select(m => m.Groups["code"].Value);
        foreach (var raw in shellBlocks.Concat(inline))
        {
            var line = raw.Trim().TrimStart('$', ' ');
            var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words.Length >= 2 && words[0] == "dotnet" && words[1] is "run" or "test" or "build" or "publish")
            {
                var project = Array.IndexOf(words, "--project");
                var target = project >= 0 && project + 1 < words.Length
                    ? words[project + 1]
                    : words.Skip(2).TakeWhile(w => w != "--").FirstOrDefault(w => !w.StartsWith('-'));
                if (target is not null)
                {
                    yield return new(line, target);
                }
            }
            else if (words.Length >= 2 && words[0] is "bash" or "sh" && !words[1].StartsWith('-'))
            {
                yield return new(line, words[1]);
            }
        }
    }

    /// <summary>The first column of the code block under "## Repository layout": one path per line, continuation lines indented.</summary>
    internal static IEnumerable<string> LayoutPaths(string markdown)
    {
        var heading = markdown.IndexOf("## Repository layout", StringComparison.Ordinal);
        if (heading < 0)
        {
            return [];
        }

        var block = Markdown.CodeBlocks(Readme, markdown[heading..]).FirstOrDefault();
        return block is null
            ? []
            : block.Lines.Where(l => l.Length > 0 && !char.IsWhiteSpace(l[0])).Select(l => l.Split(' ', 2)[0]).ToList();
    }

    [GeneratedRegex("`(?<code>(?:dotnet|bash|sh) [^`]+)`")]
    private static partial Regex InlineCode();
}
