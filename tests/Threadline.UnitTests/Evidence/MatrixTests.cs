using System.Xml.Linq;
using Threadline.EvidenceMatrix;
using static Threadline.UnitTests.Evidence.EvidenceFixtures;

namespace Threadline.UnitTests.Evidence;

/// <summary>The whole matrix: what fails the run, what the Markdown says, and the generator's exit codes.</summary>
public sealed class MatrixTests
{
    private static readonly DeclaredPath Create = InScope("POST /posts");
    private static readonly DeclaredPath Job = InScope("RefreshPostConsumer (PostChanged)", "job");
    private static readonly DeclaredPath Read = NotApplicable("GET /posts/{id}");

    private static List<TrxRun> Runs(params TestCaseResult[] cases) => [Run([.. Bookkeeping, .. cases])];

    [Fact]
    public void All_in_scope_paths_proven_and_the_topology_probed_passes()
    {
        var declarations = Declare([Create, Job, Read], new PathProof(Create.Path, HttpTests, "Create"), new PathProof(Job.Path, JobTests, "Job"));

        var matrix = Matrix.Build(declarations, Runs(Case(HttpTests, "Create", "Passed"), Case(JobTests, "Job", "Passed")), Topology());

        Assert.True(matrix.Passed, string.Join("\n", matrix.Problems));
        Assert.Equal([PathStatus.Ok, PathStatus.Ok, PathStatus.NotApplicable], matrix.Paths.Select(p => p.Status));
        Assert.Equal(TopologyStatus.Proven, matrix.Topology.Status);
    }

    [Fact]
    public void A_failed_path_and_an_unproven_path_fail_the_run_and_are_named()
    {
        var declarations = Declare([Create, Job, Read], new PathProof(Create.Path, HttpTests, "Create"));

        var matrix = Matrix.Build(declarations, Runs(Case(HttpTests, "Create", "Failed", "boom")), Topology());

        Assert.False(matrix.Passed);
        Assert.Equal([PathStatus.Issue, PathStatus.NotRun, PathStatus.NotApplicable], matrix.Paths.Select(p => p.Status));
        Assert.Contains(matrix.Problems, p => p.StartsWith("POST /posts (HTTP) is in scope and Issue", StringComparison.Ordinal));
        Assert.Contains(matrix.Problems, p => p.StartsWith("RefreshPostConsumer (PostChanged) (job) is in scope and Not run", StringComparison.Ordinal));
    }

    [Fact]
    public void The_run_that_exported_the_declarations_is_read_not_a_later_filtered_run_sharing_the_folder()
    {
        var declarations = Declare([Create], new PathProof(Create.Path, HttpTests, "Create"));
        var full = Run([.. Bookkeeping, Case(HttpTests, "Create", "Passed")]);
        var laterFiltered = full with { File = "later.trx", Start = RunFinish.AddMinutes(5), Finish = RunFinish.AddMinutes(6), Results = [Case(JobTests, "Job", "Passed")] };

        var matrix = Matrix.Build(declarations, [laterFiltered, full], Topology());

        Assert.Same(full, matrix.IntegrationRun);
        Assert.True(matrix.Passed, string.Join("\n", matrix.Problems));
    }

    [Fact]
    public void Declarations_or_topology_not_written_by_this_run_are_not_trusted()
    {
        var declarations = Declare([Read]);
        List<TrxRun> noBookkeeping = [Run()];

        var stale = Matrix.Build(declarations, noBookkeeping, Topology());
        var oldProbe = Matrix.Build(declarations, Runs(), Topology(RunStart.AddDays(-1)));
        var noProbe = Matrix.Build(declarations, Runs(), topology: null);

        Assert.Contains(stale.Problems, p => p.Contains("were not exported by this run", StringComparison.Ordinal));
        Assert.Equal(TopologyStatus.NotRun, stale.Topology.Status);
        Assert.Equal(TopologyStatus.NotRun, oldProbe.Topology.Status);
        Assert.Equal(TopologyStatus.NotRun, noProbe.Topology.Status);
        Assert.False(oldProbe.Passed);
    }

    [Fact]
    public void The_markdown_has_the_rubric_with_CI_class_rows_rerun_commands_and_the_topology_row()
    {
        var declarations = Declare([Create, Read], new PathProof(Create.Path, HttpTests, "Create"), new PathProof(Create.Path, JobTests, "Job"));
        var matrix = Matrix.Build(declarations, Runs(Case(HttpTests, "Create", "Passed"), Case(JobTests, "Job", "Passed")), Topology());

        var markdown = MarkdownWriter.Write(matrix);
        var rows = markdown.Split('\n').Where(l => l.StartsWith("| `", StringComparison.Ordinal)).ToList();

        Assert.Contains("| Path | Kind (HTTP \\| job) | Status (OK \\| Issue \\| N/A \\| Not run) | Evidence / pointer | Notes (N/A justification if N/A) |", markdown, StringComparison.Ordinal);
        Assert.Equal(2, rows.Count);
        Assert.All(rows, r => Assert.Contains("| CI-class. ", r, StringComparison.Ordinal));
        Assert.Contains("| `POST /posts` | HTTP | OK | `HttpPathTests.Create` (passed); `JobPathTests.Job` (passed)<br>Rerun: `dotnet test tests/Threadline.IntegrationTests --filter \"FullyQualifiedName~HttpPathTests.Create\\|FullyQualifiedName~JobPathTests.Job\"`", markdown, StringComparison.Ordinal);
        Assert.Contains("| `GET /posts/{id}` | HTTP | N/A | ", markdown, StringComparison.Ordinal);
        Assert.Contains(Read.NotApplicable!, markdown, StringComparison.Ordinal);
        Assert.Contains("| Environment | Class (CI or host) | Chain (app to pooler to postgres) | Pooler product | Pool mode |", markdown, StringComparison.Ordinal);
        Assert.Contains("| partial |", markdown, StringComparison.Ordinal);
        Assert.Contains("**Matches prod = partial.**", markdown, StringComparison.Ordinal);
        Assert.Contains("PgBouncer 1.18.0", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_generator_exits_1_on_the_failing_fixture_and_still_writes_the_Issue_row()
    {
        var root = Directory.CreateTempSubdirectory("evidence-matrix-");
        try
        {
            var results = Directory.CreateDirectory(Path.Combine(root.FullName, "results"));
            var evidence = Directory.CreateDirectory(Path.Combine(results.FullName, "evidence"));
            var trx = XDocument.Parse(FailingTrx);
            XNamespace ns = "http://microsoft.com/schemas/VisualStudio/TeamTest/2010";
            AddPassingCase(trx, ns, Declarations.ExportTest);
            AddPassingCase(trx, ns, HostTopology.ProbeTest);
            trx.Save(Path.Combine(results.FullName, "failing.trx"));
            await File.WriteAllTextAsync(Path.Combine(evidence.FullName, Declarations.FileName), """
                {
                  "schema": 1, "exportedAt": "2026-11-27T10:01:00+00:00", "assembly": "Threadline.IntegrationTests",
                  "paths": [
                    { "id": "CreatePost", "path": "POST /posts", "kind": "HTTP", "service": "posts-api", "description": "Inserts a post.", "notApplicable": null, "sources": ["src/p.cs"] },
                    { "id": "DeletePost", "path": "DELETE /posts/{id}", "kind": "HTTP", "service": "posts-api", "description": "Deletes a post.", "notApplicable": null, "sources": ["src/p.cs"] }
                  ],
                  "proofs": [ { "path": "POST /posts", "className": "Threadline.IntegrationTests.HttpPathTests", "methodName": "Create_records_the_actor" } ],
                  "topologyProofs": []
                }
                """);
            var output = Path.Combine(root.FullName, "stg-evidence.md");

            var exit = await RunGeneratorAsync("--root", root.FullName, "--results", results.FullName, "--output", output);

            Assert.Equal(1, exit);
            var markdown = await File.ReadAllTextAsync(output);
            Assert.Contains("| `POST /posts` | HTTP | Issue |", markdown, StringComparison.Ordinal);
            Assert.Contains("| `DELETE /posts/{id}` | HTTP | Not run |", markdown, StringComparison.Ordinal);
            Assert.DoesNotContain("| OK |", markdown, StringComparison.Ordinal);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task The_generator_exits_2_when_there_is_nothing_to_read()
    {
        var root = Directory.CreateTempSubdirectory("evidence-matrix-");
        try
        {
            Assert.Equal(2, await RunGeneratorAsync("--root", root.FullName, "--results", Path.Combine(root.FullName, "none"), "--output", Path.Combine(root.FullName, "out.md")));
            Assert.Equal(2, await RunGeneratorAsync("--bogus"));
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    private static void AddPassingCase(XDocument trx, XNamespace ns, TestMethodRef test)
    {
        var id = Guid.NewGuid().ToString();
        trx.Root!.Element(ns + "Results")!.Add(new XElement(ns + "UnitTestResult", new XAttribute("testId", id), new XAttribute("testName", test.MethodName), new XAttribute("outcome", "Passed")));
        trx.Root!.Element(ns + "TestDefinitions")!.Add(new XElement(ns + "UnitTest", new XAttribute("id", id),
            new XElement(ns + "TestMethod", new XAttribute("codeBase", "/x/Threadline.IntegrationTests.dll"), new XAttribute("className", test.ClassName), new XAttribute("name", test.MethodName))));
    }

    /// <summary>The generator's Main, in process: exit code as the console would see it.</summary>
    private static async Task<int> RunGeneratorAsync(params string[] args)
    {
        var entry = typeof(Matrix).Assembly.EntryPoint!;
        var result = entry.Invoke(null, [args]);
        return result is Task<int> task ? await task : (int)result!;
    }
}
