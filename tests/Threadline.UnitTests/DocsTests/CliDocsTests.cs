using System.Text;
using System.Text.RegularExpressions;
using Threadline.Cli;

namespace Threadline.UnitTests.DocsTests;

/// <summary>Every `threadline ...` command shown in a code block of the README or docs/ parses with the real CLI.</summary>
public sealed partial class CliDocsTests
{
    public static TheoryData<string, string> DocumentedCommands()
    {
        var data = new TheoryData<string, string>();
        foreach (var doc in Repository.MarkdownDocs())
        {
            foreach (var command in CommandsIn(Repository.Read(doc)))
            {
                data.Add(doc, command);
            }
        }

        return data;
    }

    [Fact]
    public void The_docs_show_the_cli_at_all()
    {
        Assert.True(DocumentedCommands().Count() >= 20, "docs/cli.md should show at least 20 threadline commands in code blocks");
    }

    [Theory]
    [MemberData(nameof(DocumentedCommands))]
    public void A_documented_command_parses(string doc, string command)
    {
        var errors = CliApplication.ParseErrors(Split(command).Skip(1).ToArray());

        Assert.True(errors.Count == 0, $"{doc}: `{command}` no longer parses: {string.Join("; ", errors)}");
    }

    [Fact]
    public void A_misspelled_command_is_caught()
    {
        Assert.NotEmpty(CliApplication.ParseErrors(["retention", "purge", "--windw", "90d"]));
    }

    /// <summary>Lines starting with "threadline " inside fenced code blocks, with backslash continuations joined and comments removed.</summary>
    private static IEnumerable<string> CommandsIn(string markdown)
    {
        var inBlock = false;
        var pending = new StringBuilder();
        foreach (var raw in markdown.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                inBlock = !inBlock;
                continue;
            }

            if (!inBlock)
            {
                continue;
            }

            var text = TrailingComment().Replace(line.Trim(), "").TrimEnd();
            if (pending.Length == 0 && !text.StartsWith("threadline ", StringComparison.Ordinal) && !text.StartsWith("$ threadline ", StringComparison.Ordinal))
            {
                continue;
            }

            pending.Append(text.TrimStart('$', ' '));
            if (pending[^1] == '\\')
            {
                pending.Length--;
                pending.Append(' ');
                continue;
            }

            var command = pending.ToString().Trim();
            pending.Clear();
            // Pipes and redirections belong to the shell, not to the command.
            yield return command.Split(" | ")[0].Split(" > ")[0].Split(" 2>")[0].Trim();
        }
    }

    /// <summary>Splits like a POSIX shell for the simple cases docs use: single and double quotes, no escapes inside.</summary>
    private static IEnumerable<string> Split(string command)
    {
        var token = new StringBuilder();
        char? quote = null;
        var inToken = false;
        foreach (var c in command)
        {
            if (quote is { } q)
            {
                if (c == q)
                {
                    quote = null;
                }
                else
                {
                    token.Append(c);
                }
            }
            else if (c is '"' or '\'')
            {
                quote = c;
                inToken = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inToken)
                {
                    yield return token.ToString();
                    token.Clear();
                    inToken = false;
                }
            }
            else
            {
                token.Append(c);
                inToken = true;
            }
        }

        if (inToken)
        {
            yield return token.ToString();
        }
    }

    [GeneratedRegex(@"\s+#\s.*$")]
    private static partial Regex TrailingComment();
}
