namespace Threadline.Benchmarks;

/// <summary>How much work each scenario does. Quick mode is a smoke run; full mode is what docs/benchmarks.md reports.</summary>
public sealed record BenchmarkSettings
{
    public required string Mode { get; init; }

    /// <summary>Concurrent clients of the single-row scenarios, like <c>pgbench -c 4</c>.</summary>
    public int Clients { get; init; } = 4;

    /// <summary>Interleaved rounds per single-row scenario; each round runs every variant once, in rotating order.</summary>
    public required int SingleRowRounds { get; init; }

    public required int TransactionsPerClient { get; init; }

    public required int WarmupTransactionsPerClient { get; init; }

    public required int BulkInsertRepetitions { get; init; }

    public required int BulkUpdateRepetitions { get; init; }

    public int BulkWarmupRepetitions { get; init; } = 2;

    public required int StorageSingleRowTransactions { get; init; }

    public required int StorageBulkInsertStatements { get; init; }

    public bool IncludeRowLevelDesign { get; init; } = true;

    public string? OutputPath { get; init; }

    /// <summary><c>--purge</c>: run the retention purge benchmark instead of the capture-overhead scenarios.</summary>
    public bool Purge { get; init; }

    /// <summary>Synthetic changes loaded into each purge database (at least this many: whole transactions per month).</summary>
    public required int PurgeChanges { get; init; }

    public const int BulkInsertRows = 1_000;
    public const int BulkUpdateRows = 10_000;

    /// <summary>Rows every table starts with: the single-row and 10,000-row updates hit ids 1..10,000.</summary>
    public const int SeedRows = BulkUpdateRows;

    public static BenchmarkSettings Quick { get; } = new()
    {
        Mode = "quick",
        SingleRowRounds = 2,
        TransactionsPerClient = 100,
        WarmupTransactionsPerClient = 25,
        BulkInsertRepetitions = 5,
        BulkUpdateRepetitions = 2,
        BulkWarmupRepetitions = 1,
        StorageSingleRowTransactions = 300,
        StorageBulkInsertStatements = 3,
        PurgeChanges = 500_000,
    };

    public static BenchmarkSettings Full { get; } = new()
    {
        Mode = "full",
        // Many short rounds rather than a few long ones: finer interleaving cancels more of a shared machine's noise.
        SingleRowRounds = 12,
        TransactionsPerClient = 200,
        WarmupTransactionsPerClient = 100,
        BulkInsertRepetitions = 30,
        BulkUpdateRepetitions = 10,
        StorageSingleRowTransactions = 3_000,
        StorageBulkInsertStatements = 10,
        PurgeChanges = 5_000_000,
    };

    /// <summary>Parses <c>--quick</c>, <c>--purge</c>, <c>--out &lt;file&gt;</c> and <c>--no-row-level</c>; returns null and prints usage on anything else.</summary>
    public static BenchmarkSettings? Parse(string[] args)
    {
        var settings = Full;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--quick":
                    settings = Quick with { OutputPath = settings.OutputPath, IncludeRowLevelDesign = settings.IncludeRowLevelDesign, Purge = settings.Purge };
                    break;
                case "--out" when i + 1 < args.Length:
                    settings = settings with { OutputPath = args[++i] };
                    break;
                case "--purge":
                    settings = settings with { Purge = true };
                    break;
                case "--no-row-level":
                    settings = settings with { IncludeRowLevelDesign = false };
                    break;
                default:
                    Console.Error.WriteLine($"Unknown argument '{args[i]}'.");
                    Console.Error.WriteLine("Usage: Threadline.Benchmarks [--quick] [--purge] [--out <file.md>] [--no-row-level]");
                    Console.Error.WriteLine("   or: " + Pgbench.PgbenchSettings.Usage);
                    return null;
            }
        }

        return settings;
    }
}
