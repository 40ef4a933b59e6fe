using System.Xml.Linq;
using Threadline.EvidenceMatrix;

namespace Threadline.UnitTests.Evidence;

/// <summary>Test results and declarations for the generator, in the shapes the real run produces.</summary>
internal static class EvidenceFixtures
{
    public const string Assembly = "Threadline.IntegrationTests";
    public const string HttpTests = "Threadline.IntegrationTests.HttpPathTests";
    public const string JobTests = "Threadline.IntegrationTests.JobPathTests";
    public const string LeakTests = "Threadline.IntegrationTests.PoolerLeakTests";

    public static readonly DateTimeOffset RunStart = new(2026, 11, 27, 10, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset RunFinish = RunStart.AddMinutes(3);

    /// <summary>
    /// A TRX as VSTest's trx logger writes it for xunit, deliberately failing: the create test failed, a theory has one
    /// failed case out of two, one test was skipped.
    /// </summary>
    public const string FailingTrx = """
        <?xml version="1.0" encoding="utf-8"?>
        <TestRun id="2c831387-9b37-43af-9d20-6660f65811ae" name="@vm 2026-11-27 10:03:00" xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010">
          <Times creation="2026-11-27T10:03:00.0000000+00:00" queuing="2026-11-27T10:03:00.0000000+00:00" start="2026-11-27T10:00:00.0000000+00:00" finish="2026-11-27T10:03:00.0000000+00:00" />
          <Results>
            <UnitTestResult executionId="e1" testId="t1" testName="Threadline.IntegrationTests.HttpPathTests.Create_records_the_actor" computerName="vm" duration="00:00:01.2" outcome="Failed" testListId="l1">
              <Output>
                <ErrorInfo>
                  <Message>Assert.Equal() Failure: Values differ
        Expected: user
        Actual:   anonymous</Message>
                  <StackTrace>at Threadline.IntegrationTests.HttpPathTests.Create_records_the_actor()</StackTrace>
                </ErrorInfo>
              </Output>
            </UnitTestResult>
            <UnitTestResult executionId="e2" testId="t2" testName="Threadline.IntegrationTests.HttpPathTests.Update_and_delete_are_audited" computerName="vm" duration="00:00:00.8" outcome="Passed" testListId="l1" />
            <UnitTestResult executionId="e3" testId="t3" testName="Threadline.IntegrationTests.JobPathTests.Worker_write(kind: &quot;a&quot;)" computerName="vm" duration="00:00:00.5" outcome="Passed" testListId="l1" />
            <UnitTestResult executionId="e4" testId="t4" testName="Threadline.IntegrationTests.JobPathTests.Worker_write(kind: &quot;b&quot;)" computerName="vm" duration="00:00:00.5" outcome="Failed" testListId="l1">
              <Output><ErrorInfo><Message>Timed out waiting for the job's audit row</Message></ErrorInfo></Output>
            </UnitTestResult>
            <UnitTestResult executionId="e5" testId="t5" testName="Threadline.IntegrationTests.PoolerLeakTests.Concurrent_transactions" computerName="vm" duration="00:00:00" outcome="NotExecuted" testListId="l1" />
          </Results>
          <TestDefinitions>
            <UnitTest name="Threadline.IntegrationTests.HttpPathTests.Create_records_the_actor" storage="/work/main/tests/threadline.integrationtests/bin/debug/net10.0/threadline.integrationtests.dll" id="t1">
              <Execution id="e1" />
              <TestMethod codeBase="/work/main/tests/Threadline.IntegrationTests/bin/Debug/net10.0/Threadline.IntegrationTests.dll" adapterTypeName="executor://xunit/VsTestRunner3/netcore/" className="Threadline.IntegrationTests.HttpPathTests" name="Create_records_the_actor" />
            </UnitTest>
            <UnitTest name="Threadline.IntegrationTests.HttpPathTests.Update_and_delete_are_audited" storage="x" id="t2">
              <Execution id="e2" />
              <TestMethod codeBase="/work/main/tests/Threadline.IntegrationTests/bin/Debug/net10.0/Threadline.IntegrationTests.dll" adapterTypeName="executor://xunit/VsTestRunner3/netcore/" className="Threadline.IntegrationTests.HttpPathTests" name="Update_and_delete_are_audited" />
            </UnitTest>
            <UnitTest name="Threadline.IntegrationTests.JobPathTests.Worker_write(kind: &quot;a&quot;)" storage="x" id="t3">
              <Execution id="e3" />
              <TestMethod codeBase="/work/main/tests/Threadline.IntegrationTests/bin/Debug/net10.0/Threadline.IntegrationTests.dll" adapterTypeName="executor://xunit/VsTestRunner3/netcore/" className="Threadline.IntegrationTests.JobPathTests" name="Worker_write" />
            </UnitTest>
            <UnitTest name="Threadline.IntegrationTests.JobPathTests.Worker_write(kind: &quot;b&quot;)" storage="x" id="t4">
              <Execution id="e4" />
              <TestMethod codeBase="/work/main/tests/Threadline.IntegrationTests/bin/Debug/net10.0/Threadline.IntegrationTests.dll" adapterTypeName="executor://xunit/VsTestRunner3/netcore/" className="Threadline.IntegrationTests.JobPathTests" name="Worker_write" />
            </UnitTest>
            <UnitTest name="Threadline.IntegrationTests.PoolerLeakTests.Concurrent_transactions" storage="x" id="t5">
              <Execution id="e5" />
              <TestMethod codeBase="/work/main/tests/Threadline.IntegrationTests/bin/Debug/net10.0/Threadline.IntegrationTests.dll" adapterTypeName="executor://xunit/VsTestRunner3/netcore/" className="Threadline.IntegrationTests.PoolerLeakTests" name="Concurrent_transactions" />
            </UnitTest>
          </TestDefinitions>
          <ResultSummary outcome="Failed">
            <Counters total="5" executed="4" passed="2" failed="2" error="0" timeout="0" aborted="0" inconclusive="0" passedButRunAborted="0" notRunnable="0" notExecuted="1" disconnected="0" warning="0" completed="0" inProgress="0" pending="0" />
          </ResultSummary>
        </TestRun>
        """;

    public static TrxRun ReadFailingTrx() => TrxReader.Read(XDocument.Parse(FailingTrx), "failing.trx");

    public static DeclaredPath InScope(string path, string kind = "HTTP") => new(path.Replace(" ", "", StringComparison.Ordinal), path, kind, "posts-api", "writes a post", null, ["src/x.cs"]);

    public static DeclaredPath NotApplicable(string path) => new(path, path, "HTTP", "admin", "reads", "Read-only: runs one SELECT as a role without write grants, so there is nothing to capture.", []);

    public static TestCaseResult Case(string className, string method, string outcome, string? error = null) =>
        new(className, method, $"{className}.{method}", outcome, error);

    public static TrxRun Run(params TestCaseResult[] cases) =>
        new(Assembly, "run.trx", RunStart, RunFinish, cases.ToList());

    /// <summary>A passing run of everything the generator checks besides the paths: the export and the topology probe.</summary>
    public static TestCaseResult[] Bookkeeping =>
    [
        Case(Declarations.ExportTest.ClassName, Declarations.ExportTest.MethodName, "Passed"),
        Case(HostTopology.ProbeTest.ClassName, HostTopology.ProbeTest.MethodName, "Passed"),
    ];

    public static Declarations Declare(IReadOnlyList<DeclaredPath> paths, params PathProof[] proofs) =>
        new(1, RunStart.AddMinutes(1), Assembly, paths, proofs, [HostTopology.ProbeTest]);

    public static HostTopology Topology(DateTimeOffset? probedAt = null) => new(
        1, probedAt ?? RunStart.AddMinutes(2), "local executables", "Aspire.Hosting.Testing",
        "posts-api → Npgsql 10.0.3 → PgBouncer 1.18.0 (transaction pooling) → PostgreSQL 15.18",
        new PoolerFacts("PgBouncer", "1.18.0", "pgbouncer --version", "transaction",
            new Dictionary<string, string> { ["pool_mode"] = "transaction", ["default_pool_size"] = "3", ["max_db_connections"] = "3" },
            "the pgbouncer.ini rendered for this run", new AdminConsoleFacts("pgbouncer_stats", false, "no auth_file entry")),
        new PostgresFacts("15.18"),
        new NpgsqlFacts("10.0.3", [new NpgsqlClient("posts-api", "app-db", "threadline_app", true, true, 0, 100, true, 0, "env")]));
}
