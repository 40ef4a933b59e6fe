using Threadline.Benchmarks.Investigation;

namespace Threadline.UnitTests.Benchmarks;

public sealed class AutoExplainLogTests
{
    [Fact]
    public void Keeps_the_audit_query_plans_without_their_text_and_drops_the_driver_queries()
    {
        var log = string.Join('\n', [
            "2026-11-30 05:09:21.738 UTC [5015] LOG:  duration: 0.011 ms  plan:",
            "\tQuery Text: SELECT ns.nspname, t.oid FROM pg_type AS typ",
            "\tSeq Scan on pg_type typ  (cost=0.00..1.00 rows=1 width=8) (actual time=0.001..0.001 rows=1 loops=1)",
            "2026-11-30 05:09:21.900 UTC [5015] LOG:  duration: 37.434 ms  plan:",
            "\tQuery Text: SELECT c.id FROM threadline.changes c",
            "\t JOIN threadline.transactions t ON t.id = c.transaction_id",
            "\tLimit  (cost=1000.89..5690.34 rows=51 width=371) (actual time=26.156..37.319 rows=51 loops=1)",
            "\t  Buffers: shared hit=18007",
            "",
        ]);

        var plans = AutoExplainLog.Plans(log);

        Assert.Equal("LOG:  duration: 37.434 ms  plan:\n\tLimit  (cost=1000.89..5690.34 rows=51 width=371) (actual time=26.156..37.319 rows=51 loops=1)\n\t  Buffers: shared hit=18007\n", plans);
    }

    [Fact]
    public void A_log_without_plans_gives_nothing()
    {
        Assert.Equal("", AutoExplainLog.Plans("2026-11-30 05:09:21.738 UTC [5015] LOG:  checkpoint starting: time\n"));
    }
}
