using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Threadline.UnitTests.DocsTests;

/// <summary>
/// Compiles a C# block of the docs with Roslyn against the assemblies this test runs with (the real Threadline
/// libraries and their dependencies), wrapped in its <see cref="CSharpBlockContext"/>.
/// </summary>
internal static partial class CSharpBlockCompiler
{
    // Read once: every block compiles against the same few hundred assemblies.
    private static readonly Lazy<List<MetadataReference>> References = new(() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => p.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToList());

    public static bool IsCSharp(CodeBlock block) => block.Language is "csharp" or "cs" or "c#";

    /// <summary>The context kind a block asks for: <c>&lt;!-- docs-test: csharp KIND --&gt;</c>, else the default.</summary>
    public static string KindOf(CodeBlock block)
    {
        var match = KindAnnotation().Match(block.Annotation);
        return match.Success ? match.Groups["kind"].Value : CSharpBlockContext.Default;
    }

    /// <summary>The compiler's errors for the block, located in the Markdown file; empty when it compiles.</summary>
    public static List<string> Errors(CodeBlock block)
    {
        var lines = block.Lines.ToList();
        var usings = lines.TakeWhile(l => l.Trim().Length == 0 || UsingLine().IsMatch(l)).ToList();
        var body = string.Join('\n', lines.Skip(usings.Count));
        var source = CSharpBlockContext.Wrap(KindOf(block), usings, body, block.File, block.Line + usings.Count);
        var tree = CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest));
        var compilation = CSharpCompilation.Create(
            "DocBlock",
            [tree],
            References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        return compilation.GetDiagnostics()
            .Where(d => d.Severity == DiagnosticSeverity.Error)
            .Select(d => $"{d.Location.GetMappedLineSpan().Path}:{d.Location.GetMappedLineSpan().StartLinePosition.Line + 1}: {d.Id} {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}")
            .ToList();
    }

    [GeneratedRegex(@"^\s*using\s+[\w.]+\s*;\s*$")]
    private static partial Regex UsingLine();

    [GeneratedRegex(@"^csharp\s+(?<kind>[\w-]+)$")]
    private static partial Regex KindAnnotation();
}
