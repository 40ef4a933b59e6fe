using Threadline.IntegrationTests.Infrastructure;
using Threadline.Operations;

namespace Threadline.IntegrationTests.Operations;

/// <summary>The topology verifier on the real PgBouncer (safe), direct PostgreSQL (safe) and a statement-mode pooler (unsafe).</summary>
[Collection(DatabaseCollection.Name)]
public sealed class TopologyVerificationTests(DatabaseFixture platform)
{
    [Fact]
    public async Task Through_the_transaction_pooler_the_bridge_is_safe_and_session_state_is_shown_to_leak()
    {
        var report = await new TopologyVerifier().VerifyAsync(platform.AppConnectionString, new TopologyProbeOptions { Clients = 8, TransactionsPerClient = 20 });

        Assert.True(report.Safe, report.ToMarkdown());
        Assert.Equal((160, 0, 0), (report.Transactions, report.Misattributions, report.ContextLeaks));
        Assert.True(report.BackendsSharedBetweenClients, $"8 clients shared {report.DistinctBackends} backends");
        Assert.True(report.DistinctBackends <= 3, $"pool size is 3, saw {report.DistinctBackends} backends");
        Assert.True(report.SessionStateLeaks, "a session-level SET should be visible to other clients behind a transaction pooler");
        Assert.StartsWith("transaction", report.PoolMode, StringComparison.Ordinal);
        Assert.Contains("Max Auto Prepare=0", report.PreparePolicy, StringComparison.Ordinal);
        Assert.Contains("| CI | app → Npgsql → ", report.ToMarkdown(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Direct_to_PostgreSQL_each_client_keeps_its_backend_and_nothing_leaks()
    {
        var report = await new TopologyVerifier().VerifyAsync(platform.DirectConnectionString, new TopologyProbeOptions { Clients = 4, TransactionsPerClient = 10 });

        Assert.True(report.Safe, report.ToMarkdown());
        Assert.False(report.BackendsSharedBetweenClients);
        Assert.False(report.SessionStateLeaks);
        Assert.Equal("app → Npgsql → PostgreSQL", report.Chain);
    }

    [Fact]
    public async Task A_statement_mode_pooler_is_detected_as_unsafe()
    {
        await using var pooler = await SecondPooler.StartAsync(platform, "statement");

        var report = await new TopologyVerifier().VerifyAsync(pooler.ConnectionString, new TopologyProbeOptions { Clients = 4, TransactionsPerClient = 5 });

        Assert.False(report.Safe);
        Assert.Contains(report.Problems, p => p.Contains("could not run an audited transaction", StringComparison.Ordinal));
        Assert.Contains("UNSAFE", report.ToMarkdown(), StringComparison.Ordinal);
    }
}
