namespace Threadline.Hosting.Tests;

/// <summary>The checkout these tests run from: the folder above the test binaries that holds Threadline.sln.</summary>
internal static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Threadline.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No Threadline.sln above {AppContext.BaseDirectory}.");
    }
}
