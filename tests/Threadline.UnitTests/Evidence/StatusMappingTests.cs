using Threadline.EvidenceMatrix;
using static Threadline.UnitTests.Evidence.EvidenceFixtures;

namespace Threadline.UnitTests.Evidence;

/// <summary>
/// The generator's STG-03 rules: passed → OK, failed → Issue, no test or not executed → Not run (never OK), declared
/// N/A → N/A with its justification. Several run against a deliberately failing TRX fixture.
/// </summary>
public sealed class StatusMappingTests
{
    [Fact]
    public void The_TRX_reader_joins_results_to_their_class_and_method()
    {
        var run = ReadFailingTrx();

        Assert.Equal(Assembly, run.Assembly);
        Assert.Equal((RunStart, RunFinish), (run.Start, run.Finish));
        Assert.Equal((2, 2, 1), (run.Passed, run.Failed, run.NotExecuted));
        var create = Assert.Single(run.For(HttpTests, "Create_records_the_actor"));
        Assert.Equal("Failed", create.Outcome);
        Assert.StartsWith("Assert.Equal() Failure", create.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(2, run.For(JobTests, "Worker_write").Count);
    }

    [Fact]
    public void A_path_whose_proving_tests_all_passed_is_OK()
    {
        var path = InScope("PUT /posts/{id}");

        var result = StatusMapper.Evaluate(path, [new PathProof(path.Path, HttpTests, "Update_and_delete_are_audited")], ReadFailingTrx());

        Assert.Equal(PathStatus.Ok, result.Status);
        Assert.Equal(ProofOutcome.Passed, Assert.Single(result.Evidence).Outcome);
    }

    [Fact]
    public void A_failed_proving_test_makes_the_path_an_Issue_even_when_another_passed()
    {
        var path = InScope("POST /posts");
        PathProof[] proofs = [new(path.Path, HttpTests, "Create_records_the_actor"), new(path.Path, HttpTests, "Update_and_delete_are_audited")];

        var result = StatusMapper.Evaluate(path, proofs, ReadFailingTrx());

        Assert.Equal(PathStatus.Issue, result.Status);
        Assert.Contains("HttpPathTests.Create_records_the_actor (Assert.Equal() Failure: Values differ)", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void One_failed_theory_case_makes_the_path_an_Issue()
    {
        var path = InScope("RefreshPostConsumer (PostChanged)", "job");

        var result = StatusMapper.Evaluate(path, [new PathProof(path.Path, JobTests, "Worker_write")], ReadFailingTrx());

        Assert.Equal(PathStatus.Issue, result.Status);
        Assert.Equal(2, Assert.Single(result.Evidence).Cases.Count);
    }

    [Fact]
    public void A_declared_path_that_no_test_proves_is_Not_run_never_OK()
    {
        var path = InScope("DELETE /posts/{id}");
        var allGreen = Run(Case(HttpTests, "Update_and_delete_are_audited", "Passed"));

        var result = StatusMapper.Evaluate(path, [new PathProof("POST /posts", HttpTests, "Update_and_delete_are_audited")], allGreen);

        Assert.Equal(PathStatus.NotRun, result.Status);
        Assert.Empty(result.Evidence);
        Assert.Contains("No test declares [ProvesPath]", result.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Concurrent_transactions")] // in the TRX as NotExecuted (skipped)
    [InlineData("Not_in_the_results_at_all")] // filtered out, or the run stopped before it
    public void A_proving_test_that_did_not_execute_leaves_the_path_Not_run(string method)
    {
        var path = InScope("POST /posts");

        var result = StatusMapper.Evaluate(path, [new PathProof(path.Path, LeakTests, method)], ReadFailingTrx());

        Assert.Equal(PathStatus.NotRun, result.Status);
        Assert.Contains("Not executed in this run", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_any_results_an_in_scope_path_is_Not_run()
    {
        var path = InScope("POST /posts");

        Assert.Equal(PathStatus.NotRun, StatusMapper.Evaluate(path, [new PathProof(path.Path, HttpTests, "Create_records_the_actor")], run: null).Status);
    }

    [Fact]
    public void A_declared_NA_path_stays_NA_with_its_justification_whatever_its_exercising_tests_did()
    {
        var path = NotApplicable("GET /posts/{id}");

        var result = StatusMapper.Evaluate(path, [new PathProof(path.Path, HttpTests, "Create_records_the_actor")], ReadFailingTrx());

        Assert.Equal(PathStatus.NotApplicable, result.Status);
        Assert.Equal(path.NotApplicable, result.Reason);
        Assert.Equal(ProofOutcome.Failed, Assert.Single(result.Evidence).Outcome);
    }

    [Theory]
    [InlineData(PathStatus.Ok, "OK")]
    [InlineData(PathStatus.Issue, "Issue")]
    [InlineData(PathStatus.NotApplicable, "N/A")]
    [InlineData(PathStatus.NotRun, "Not run")]
    public void Labels_are_the_rubrics(PathStatus status, string label) => Assert.Equal(label, StatusMapper.Label(status));
}
