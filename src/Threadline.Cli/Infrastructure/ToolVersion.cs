using System.CommandLine;
using System.CommandLine.Invocation;
using System.Reflection;

namespace Threadline.Cli;

/// <summary>
/// The tool's package version (the shared VersionPrefix/VersionSuffix of Directory.Build.props, or the release tag's
/// version), without the "+commit" build metadata that SourceLink appends to the informational version.
/// </summary>
internal static class ToolVersion
{
    public static string Value { get; } = Read();

    /// <summary>--version: prints <see cref="Value"/> (System.CommandLine's default reads the entry assembly, which is not this tool under a test host).</summary>
    public static VersionOption CreateOption() => new() { Action = new PrintVersion() };

    private static string Read()
    {
        var informational = typeof(ToolVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? typeof(ToolVersion).Assembly.GetName().Version?.ToString(3)
            ?? "0.0.0";
        var metadata = informational.IndexOf('+', StringComparison.Ordinal);
        return metadata < 0 ? informational : informational[..metadata];
    }

    private sealed class PrintVersion : SynchronousCommandLineAction
    {
        public override bool ClearsParseErrors => true;

        public override int Invoke(ParseResult parseResult)
        {
            parseResult.InvocationConfiguration.Output.WriteLine(Value);
            return 0;
        }
    }
}
