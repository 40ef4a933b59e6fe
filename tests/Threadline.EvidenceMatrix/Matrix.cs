namespace Threadline.EvidenceMatrix;

public enum TopologyStatus
{
    Proven,
    Issue,
    NotRun,
}

public sealed record TopologyEvaluation(TopologyStatus Status, HostTopology? Facts, IReadOnlyList<ProofEvidence> Evidence, string Reason);

/// <summary>Everything docs/stg-evidence.md says, and what makes the run fail.</summary>
public sealed record Matrix(
    Declarations Declarations,
    TrxRun? IntegrationRun,
    IReadOnlyDictionary<string, TrxRun> Runs,
    IReadOnlyList<PathEvaluation> Paths,
    TopologyEvaluation Topology,
    IReadOnlyList<string> Problems)
{
    /// <summary>Evidence files written by a test count only if written during the run the TRX describes.</summary>
    private static readonly TimeSpan Slack = TimeSpan.FromMinutes(2);

    public bool Passed => Problems.Count == 0;

    /// <summary>
    /// Builds the matrix from one run of the integration tests: the one that exported these declarations (several runs
    /// may share the results folder on a developer machine). The other assemblies contribute their newest run to the summary.
    /// </summary>
    public static Matrix Build(Declarations declarations, IEnumerable<TrxRun> allRuns, HostTopology? topology)
    {
        var problems = new List<string>();
        var all = allRuns.ToList();
        var candidates = all.Where(r => r.Assembly == declarations.Assembly).OrderByDescending(r => r.Finish).ThenByDescending(r => r.File, StringComparer.Ordinal).ToList();
        var run = candidates.FirstOrDefault(r => Exported(r, declarations)) ?? candidates.FirstOrDefault();
        if (run is null)
        {
            problems.Add($"No TRX results for {declarations.Assembly}: run `dotnet test Threadline.sln` first.");
        }
        else if (!Exported(run, declarations))
        {
            problems.Add($"The declared paths ({Declarations.FileName}) were not exported by this run of {declarations.Assembly} " +
                $"({Declarations.ExportTest.MethodName} did not pass in {Path.GetFileName(run.File)}), so they may be stale: run the whole suite.");
        }

        var runs = all.Where(r => r.Assembly != declarations.Assembly)
            .GroupBy(r => r.Assembly, StringComparer.Ordinal)
            .Select(g => g.OrderByDescending(r => r.Finish).First())
            .Concat(run is null ? [] : [run])
            .ToDictionary(r => r.Assembly, StringComparer.Ordinal);

        var paths = declarations.Paths.Select(p => StatusMapper.Evaluate(p, declarations.Proofs, run)).ToList();
        foreach (var path in paths.Where(p => p.Status is PathStatus.Issue or PathStatus.NotRun))
        {
            problems.Add($"{path.Path.Path} ({path.Path.Kind}) is in scope and {StatusMapper.Label(path.Status)}: {path.Reason}");
        }

        var evaluation = EvaluateTopology(declarations, run, topology);
        if (evaluation.Status != TopologyStatus.Proven)
        {
            problems.Add($"Host topology row is {(evaluation.Status == TopologyStatus.Issue ? "Issue" : "Not run")}: {evaluation.Reason}");
        }

        return new Matrix(declarations, run, runs, paths, evaluation, problems);
    }

    private static TopologyEvaluation EvaluateTopology(Declarations declarations, TrxRun? run, HostTopology? topology)
    {
        var evidence = declarations.TopologyProofs
            .Select(t => new PathProof("host topology", t.ClassName, t.MethodName))
            .Select(p =>
            {
                var cases = run?.For(p.ClassName, p.MethodName) ?? [];
                return new ProofEvidence(p, cases, StatusMapper.Outcome(cases));
            })
            .ToList();
        var failed = evidence.Where(e => e.Outcome == ProofOutcome.Failed).ToList();
        if (failed.Count > 0)
        {
            return new(TopologyStatus.Issue, topology, evidence, "Failed in this run: " + string.Join("; ", failed.Select(f => f.ShortName)) + ".");
        }

        var probe = run?.For(HostTopology.ProbeTest.ClassName, HostTopology.ProbeTest.MethodName) ?? [];
        if (topology is null)
        {
            return new(TopologyStatus.NotRun, null, evidence, $"{HostTopology.FileName} is missing: the probe test did not run.");
        }

        if (run is null || StatusMapper.Outcome(probe) != ProofOutcome.Passed || !During(run, topology.ProbedAt))
        {
            return new(TopologyStatus.NotRun, null, evidence, $"{HostTopology.FileName} is not from this run ({HostTopology.ProbeTest.MethodName} did not pass in it).");
        }

        if (evidence.Count == 0 || evidence.Any(e => e.Outcome == ProofOutcome.NotExecuted))
        {
            return new(TopologyStatus.NotRun, topology, evidence,
                "Not executed in this run: " + string.Join("; ", evidence.Where(e => e.Outcome != ProofOutcome.Passed).Select(e => e.ShortName).DefaultIfEmpty("no [ProvesTopology] test")) + ".");
        }

        return new(TopologyStatus.Proven, topology, evidence, "");
    }

    private static bool Exported(TrxRun run, Declarations declarations) =>
        StatusMapper.Outcome(run.For(Declarations.ExportTest.ClassName, Declarations.ExportTest.MethodName)) == ProofOutcome.Passed
        && During(run, declarations.ExportedAt);

    private static bool During(TrxRun run, DateTimeOffset at) => at >= run.Start - Slack && at <= run.Finish + Slack;
}
