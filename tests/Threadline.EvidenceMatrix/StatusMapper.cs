namespace Threadline.EvidenceMatrix;

/// <summary>The rubric's status values (STG-02).</summary>
public enum PathStatus
{
    Ok,
    Issue,
    NotApplicable,
    NotRun,
}

/// <summary>What the run says about one proving test: all its cases passed, one failed, or it did not run.</summary>
public enum ProofOutcome
{
    Passed,
    Failed,
    NotExecuted,
}

public sealed record ProofEvidence(PathProof Proof, IReadOnlyList<TestCaseResult> Cases, ProofOutcome Outcome)
{
    public string ShortName => $"{Proof.ClassName.Split('.')[^1]}.{Proof.MethodName}";

    public string? FirstError => Cases.FirstOrDefault(c => c.Failed)?.ErrorMessage?.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
}

public sealed record PathEvaluation(DeclaredPath Path, PathStatus Status, IReadOnlyList<ProofEvidence> Evidence, string Reason);

/// <summary>
/// Derives a path's status from the run, with the STG-03 rules: every proving test passed → OK; any failed → Issue;
/// no proving test, or one that did not run → Not run (never OK); declared N/A → N/A with its justification, whatever
/// the tests that exercise it did.
/// </summary>
public static class StatusMapper
{
    public static PathEvaluation Evaluate(DeclaredPath path, IEnumerable<PathProof> proofs, TrxRun? run)
    {
        var evidence = proofs
            .Where(p => p.Path == path.Path)
            .Select(p =>
            {
                var cases = run?.For(p.ClassName, p.MethodName) ?? [];
                return new ProofEvidence(p, cases, Outcome(cases));
            })
            .ToList();

        if (!path.InScope)
        {
            return new(path, PathStatus.NotApplicable, evidence, path.NotApplicable!);
        }

        if (evidence.Count == 0)
        {
            return new(path, PathStatus.NotRun, evidence, "No test declares [ProvesPath] for this path, so nothing proves it.");
        }

        var failed = evidence.Where(e => e.Outcome == ProofOutcome.Failed).ToList();
        if (failed.Count > 0)
        {
            return new(path, PathStatus.Issue, evidence,
                "Failed in this run: " + string.Join("; ", failed.Select(f => f.FirstError is { } error ? $"{f.ShortName} ({error})" : f.ShortName)) + ".");
        }

        var notExecuted = evidence.Where(e => e.Outcome == ProofOutcome.NotExecuted).ToList();
        if (notExecuted.Count > 0)
        {
            return new(path, PathStatus.NotRun, evidence,
                "Not executed in this run: " + string.Join("; ", notExecuted.Select(n => n.ShortName)) + ".");
        }

        return new(path, PathStatus.Ok, evidence, "");
    }

    /// <summary>All cases passed → Passed; any case failed → Failed; no case in the results, or a case skipped or not run → NotExecuted.</summary>
    public static ProofOutcome Outcome(IReadOnlyList<TestCaseResult> cases) =>
        cases.Count == 0 ? ProofOutcome.NotExecuted
        : cases.Any(c => c.Failed) ? ProofOutcome.Failed
        : cases.All(c => c.Passed) ? ProofOutcome.Passed
        : ProofOutcome.NotExecuted;

    public static string Label(PathStatus status) => status switch
    {
        PathStatus.Ok => "OK",
        PathStatus.Issue => "Issue",
        PathStatus.NotApplicable => "N/A",
        PathStatus.NotRun => "Not run",
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };
}
