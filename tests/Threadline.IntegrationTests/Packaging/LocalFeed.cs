using System.Xml.Linq;
using Threadline.IntegrationTests.Evidence;

namespace Threadline.IntegrationTests.Packaging;

/// <summary>The published packages, packed into a folder feed with a version of their own, as a consumer gets them.</summary>
internal static class LocalFeed
{
    /// <summary>Everything that is published, and nothing else.</summary>
    public static readonly string[] PackageIds =
    [
        "Threadline", "Threadline.AspNetCore", "Threadline.AspNetCore.AdminUi", "Threadline.Cli", "Threadline.EntityFrameworkCore",
        "Threadline.Hosting", "Threadline.MassTransit",
    ];

    /// <summary>The packages' Npgsql EF Core provider version, for consumers that pin it (Directory.Packages.props).</summary>
    public static string NpgsqlVersion =>
        XDocument.Load(Path.Combine(EvidenceFiles.RepositoryRoot, "Directory.Packages.props")).Descendants("NpgsqlVersion").Single().Value;

    /// <summary>A version of its own per run, so no copy cached in the global packages folder by an earlier run is used.</summary>
    public static string NewVersion(string label)
    {
        var props = XDocument.Load(Path.Combine(EvidenceFiles.RepositoryRoot, "Directory.Build.props"));
        return $"{props.Descendants("VersionPrefix").Single().Value}-{label}.t{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}";
    }

    private static readonly SemaphoreSlim PackGate = new(1, 1);
    private static PackedFeed? _packed;

    /// <summary>
    /// Packs the whole solution once per test run into a folder feed with a version of its own (only the published
    /// projects produce a package); the tests that consume packages share it. A failed pack is tried again by the next
    /// test. The feed and the cached copies of its packages are removed when the test process exits.
    /// </summary>
    public static async Task<PackedFeed> PackOnceAsync(
        Func<string, IReadOnlyList<string>, string, CancellationToken, Task<ProcessResult>> run, CancellationToken cancellationToken)
    {
        await PackGate.WaitAsync(cancellationToken);
        try
        {
            if (_packed is { Pack.ExitCode: 0 } packed)
            {
                return packed;
            }

            var version = NewVersion("proof");
            var folder = Directory.CreateTempSubdirectory("threadline-feed-");
            AppDomain.CurrentDomain.ProcessExit += (_, _) =>
            {
                ForgetCachedPackages(PackageIds, version);
                try
                {
                    folder.Delete(recursive: true);
                }
                catch (IOException)
                {
                    // A temporary folder left behind is harmless.
                }
            };
            var root = EvidenceFiles.RepositoryRoot;
            var pack = await run("dotnet", ["pack", Path.Combine(root, "Threadline.sln"), "-c", "Release", "-o", folder.FullName, $"-p:Version={version}", "-nologo"], root, cancellationToken);
            _packed = new PackedFeed(folder.FullName, version, pack);
            return _packed;
        }
        finally
        {
            PackGate.Release();
        }
    }

    /// <summary>A nuget.config of the consumer's own: the folder feed first, then nuget.org for everything else.</summary>
    public static void WriteNuGetConfig(string directory, string feed) =>
        File.WriteAllText(Path.Combine(directory, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="threadline-local" value="{feed}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
            </configuration>
            """);

    /// <summary>This run's packages are never wanted again: keep the global packages folder from growing with each run.</summary>
    public static void ForgetCachedPackages(IEnumerable<string> ids, string version)
    {
        var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        foreach (var id in ids)
        {
            var folder = Path.Combine(cache, id.ToLowerInvariant(), version);
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }

            if (Directory.Exists(Path.GetDirectoryName(folder)) && !Directory.EnumerateFileSystemEntries(Path.GetDirectoryName(folder)!).Any())
            {
                Directory.Delete(Path.GetDirectoryName(folder)!);
            }
        }
    }
}

/// <summary>A folder feed of the packed packages, their version and what <c>dotnet pack</c> said.</summary>
internal sealed record PackedFeed(string Feed, string Version, ProcessResult Pack);
