using System.Diagnostics;
using System.Text;
using Xunit.Abstractions;

namespace Threadline.IntegrationTests.Packaging;

/// <summary>Runs dotnet (or a packaged tool) the way a consumer would: none of the test host's build or test-platform variables.</summary>
internal static class PackagingProcess
{
    public static async Task<ProcessResult> RunAsync(string fileName, IReadOnlyList<string> args, string workingDirectory, ITestOutputHelper output, TimeSpan budget, CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? environment = null)
    {
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        var start = new ProcessStartInfo(fileName == "dotnet" ? dotnet : fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // The test host's MSBuild and test-platform variables would steer the child builds; a consumer has none of them.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)
                     || k.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase) || k.StartsWith("TESTINGPLATFORM", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        // The tool's apphost finds the runtime here (the SDK may not be at a default location).
        start.Environment["DOTNET_ROOT"] = Path.GetDirectoryName(ResolveLinks(ResolveOnPath(dotnet)))!;

        var started = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{fileName} did not start.");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', args)} did not finish within the {budget} budget.");
        }

        var result = new ProcessResult(process.ExitCode, await stdout, await stderr);
        output.WriteLine($"$ {fileName} {string.Join(' ', args.Select(a => a.Contains("Password", StringComparison.OrdinalIgnoreCase) ? "<connection string>" : a))}  ({started.Elapsed.TotalSeconds:F0} s, exit {result.ExitCode})");
        return result;
    }

    private static string ResolveOnPath(string file) =>
        Path.IsPathRooted(file)
            ? file
            : (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Select(d => Path.Combine(d, file)).FirstOrDefault(File.Exists) ?? file;

    private static string ResolveLinks(string path) => new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path;

    /// <summary>Starts a long-running process (a web app) with the same clean environment; the caller kills it.</summary>
    public static Process Start(string fileName, IReadOnlyList<string> args, string workingDirectory, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)
                     || k.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase) || k.StartsWith("TESTINGPLATFORM", StringComparison.OrdinalIgnoreCase)
                     || k.StartsWith("ASPNETCORE_", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        return Process.Start(start) ?? throw new InvalidOperationException($"{fileName} did not start.");
    }

    public static string Dotnet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
}

/// <summary>What a child process wrote and how it ended.</summary>
internal sealed record ProcessResult(int ExitCode, string Out, string Err)
{
    public override string ToString() => $"exit code {ExitCode}\n--- stdout ---\n{Tail(Out)}\n--- stderr ---\n{Tail(Err)}";

    private static string Tail(string text) => text.Length <= 6000 ? text : "…" + text[^6000..];
}
