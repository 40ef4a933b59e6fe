using Threadline.EvidenceMatrix;

// Writes docs/stg-evidence.md from the last test run: the TRX files and the evidence JSON that test.runsettings and
// the integration tests leave in .ci/out/test-results. Exit 0 when every in-scope path is OK and the host topology
// was probed in that run; 1 when not (the matrix is still written, with the Issue / Not run rows); 2 on bad input.
try
{
    var options = Options.Parse(args);
    var declarationsFile = Path.Combine(options.Results, "evidence", Declarations.FileName);
    if (!File.Exists(declarationsFile))
    {
        Console.Error.WriteLine($"evidence matrix: {declarationsFile} is missing. Run the integration tests first: dotnet test Threadline.sln");
        return 2;
    }

    var declarations = EvidenceJson.Read<Declarations>(declarationsFile);
    var topologyFile = Path.Combine(options.Results, "evidence", HostTopology.FileName);
    var topology = File.Exists(topologyFile) ? EvidenceJson.Read<HostTopology>(topologyFile) : null;
    var matrix = Matrix.Build(declarations, TrxReader.ReadAll(options.Results), topology);

    Directory.CreateDirectory(Path.GetDirectoryName(options.Output)!);
    await File.WriteAllTextAsync(options.Output, MarkdownWriter.Write(matrix));

    var inScope = matrix.Paths.Where(p => p.Path.InScope).ToList();
    Console.WriteLine($"evidence matrix: wrote {Path.GetRelativePath(options.Root, options.Output)}: " +
        string.Join(", ", matrix.Paths.GroupBy(p => p.Status).OrderBy(g => g.Key).Select(g => $"{g.Count()} {StatusMapper.Label(g.Key)}")) +
        $"; host topology {(matrix.Topology.Status == TopologyStatus.Proven ? "probed" : matrix.Topology.Status.ToString())}.");
    if (matrix.Passed)
    {
        return 0;
    }

    Console.Error.WriteLine($"evidence matrix: FAILED: {matrix.Problems.Count} problem(s); an in-scope path must be proven by a passing test in this run:");
    foreach (var problem in matrix.Problems)
    {
        Console.Error.WriteLine($"  - {problem}");
    }

    return 1;
}
catch (Exception ex) when (ex is ArgumentException or IOException or InvalidDataException or System.Text.Json.JsonException or System.Xml.XmlException)
{
    Console.Error.WriteLine($"evidence matrix: {ex.Message}");
    return 2;
}

internal sealed record Options(string Root, string Results, string Output)
{
    public static Options Parse(string[] args)
    {
        string? root = null, results = null, output = null;
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value. Usage: [--root DIR] [--results DIR] [--output FILE]");
            switch (args[i])
            {
                case "--root": root = value; break;
                case "--results": results = value; break;
                case "--output": output = value; break;
                default: throw new ArgumentException($"Unknown argument {args[i]}. Usage: [--root DIR] [--results DIR] [--output FILE]");
            }

            i++;
        }

        root = Path.GetFullPath(root ?? FindRoot());
        return new(root,
            Path.GetFullPath(results ?? Path.Combine(root, ".ci", "out", "test-results")),
            Path.GetFullPath(output ?? Path.Combine(root, "docs", "stg-evidence.md")));
    }

    private static string FindRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "Threadline.sln")))
                {
                    return directory.FullName;
                }
            }
        }

        throw new ArgumentException("No Threadline.sln above the current directory; pass --root.");
    }
}
