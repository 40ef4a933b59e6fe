using System.Text.Encodings.Web;
using System.Text.Json;

namespace Threadline.IntegrationTests.Evidence;

/// <summary>
/// Where evidence tests leave their JSON for the matrix generator: next to the TRX results that test.runsettings sends
/// to <c>.ci/out/test-results</c>, in <c>evidence/</c>.
/// </summary>
internal static class EvidenceFiles
{
    public const string DeclarationsFile = "audited-paths.json";
    public const string TopologyFile = "host-topology.json";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string OutputDirectory => Path.Combine(RepositoryRoot, ".ci", "out", "test-results", "evidence");

    public static string WriteJson(string fileName, object value)
    {
        Directory.CreateDirectory(OutputDirectory);
        var path = Path.Combine(OutputDirectory, fileName);
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(value, Json) + "\n");
        File.Move(temporary, path, overwrite: true);
        return path;
    }

    public static string ReadSource(string relativePath) => File.ReadAllText(Path.Combine(RepositoryRoot, relativePath));

    /// <summary>Source files of a project folder, without build output.</summary>
    public static IEnumerable<string> SourceFiles(string relativeDirectory, string pattern) =>
        Directory.EnumerateFiles(Path.Combine(RepositoryRoot, relativeDirectory), pattern, SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Threadline.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Threadline.sln above {AppContext.BaseDirectory}.");
    }
}
