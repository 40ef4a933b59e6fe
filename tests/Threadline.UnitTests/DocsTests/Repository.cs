namespace Threadline.UnitTests.DocsTests;

/// <summary>The checked-out repository the tests were built from: docs, README and sources are read from here.</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string PathOf(string relative) => Path.Combine(Root, relative.Replace('/', Path.DirectorySeparatorChar));

    public static string Read(string relative) => File.ReadAllText(PathOf(relative));

    /// <summary>README.md and every Markdown file under docs/ (the generated evidence matrix excepted), repository-relative.</summary>
    public static IEnumerable<string> MarkdownDocs() =>
        new[] { "README.md" }.Concat(Directory.EnumerateFiles(PathOf("docs"), "*.md", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Root, f).Replace('\\', '/'))
            .Where(f => f != "docs/stg-evidence.md")
            .Order(StringComparer.Ordinal));

    /// <summary>True when the repository-relative path (a trailing slash and * wildcards in the last segments allowed) exists.</summary>
    public static bool Exists(string relative)
    {
        relative = relative.TrimEnd('/');
        if (!relative.Contains('*', StringComparison.Ordinal))
        {
            return File.Exists(PathOf(relative)) || Directory.Exists(PathOf(relative));
        }

        var parent = Path.GetDirectoryName(relative.Replace('/', Path.DirectorySeparatorChar)) ?? "";
        var pattern = Path.GetFileName(relative);
        var directory = Path.Combine(Root, parent);
        return Directory.Exists(directory) && Directory.EnumerateFileSystemEntries(directory, pattern).Any();
    }

    private static string FindRoot()
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
