namespace Threadline.Benchmarks.Investigation;

/// <summary>
/// The CLI and the admin service as this build made them (the benchmark project references both without using
/// their assemblies, so a build of it builds them too), in the same configuration as the running benchmark.
/// </summary>
public static class BuiltTools
{
    public static string CliDll => Find("src/Threadline.Cli", "Threadline.Cli.dll");

    public static string AdminServiceDll => Find("src/Threadline.Platform.AdminService", "Threadline.Platform.AdminService.dll");

    private static string Find(string project, string assembly)
    {
        // .../tests/Threadline.Benchmarks/bin/<Configuration>/<tfm>/
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = output.Parent?.Name ?? "Release";
        var root = output;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Threadline.sln")))
        {
            root = root.Parent;
        }

        if (root is null)
        {
            throw new InvalidOperationException($"No Threadline.sln above {AppContext.BaseDirectory}: run the benchmark from its build output in the repository.");
        }

        var path = Path.Combine(root.FullName, project, "bin", configuration, output.Name, assembly);
        return File.Exists(path) ? path : throw new InvalidOperationException($"{path} is missing; build tests/Threadline.Benchmarks in {configuration} first.");
    }
}
