namespace Threadline.Benchmarks.Pgbench;

/// <summary>
/// How long and how often <c>--pgbench</c> measures. Full-run arithmetic: 6 workload/path combinations × 4 variants ×
/// 3 repetitions × (5 s warm-up + 15 s measured) = 24 min of pgbench, plus about one CHECKPOINT and two pgbench starts
/// per run and the bytes-per-change phase: about 30 min, under the 40-minute bound. A fifth variant adds about 6 min
/// (30 min of pgbench); at 20 s measured four variants alone would already take 30 min of pgbench.
/// </summary>
public sealed record PgbenchSettings
{
    public required string Mode { get; init; }

    public required int WarmupSeconds { get; init; }

    public required int MeasureSeconds { get; init; }

    public required int Repetitions { get; init; }

    /// <summary><c>pgbench -c</c>: the bulk-update script gives each of the 4 clients its own 25,000-id slice.</summary>
    public int Clients { get; init; } = 4;

    /// <summary><c>pgbench -j</c>.</summary>
    public int Threads { get; init; } = 2;

    /// <summary>Variant names to run (null: all); <c>baseline</c> is needed for the ratios.</summary>
    public IReadOnlyList<string>? Variants { get; init; }

    /// <summary>Workload names to run (null: all).</summary>
    public IReadOnlyList<string>? Workloads { get; init; }

    public string? OutputPath { get; init; }

    /// <summary><c>--freeze-capture FILE</c>: write the frozen capture SQL of today's library instead of benchmarking.</summary>
    public string? FreezeCapturePath { get; init; }

    /// <summary>
    /// <c>--install VARIANT --database CONNECTION</c>: install one variant on the <c>items</c> table of an existing database
    /// (created with <see cref="ItemsTable.CreateTableSql"/> if missing) and stop, for functional checks and EXPLAIN.
    /// </summary>
    public string? InstallVariant { get; init; }

    public string? InstallDatabase { get; init; }

    /// <summary>The arguments as given, for the report's reproduce line.</summary>
    public IReadOnlyList<string> Arguments { get; init; } = [];

    // Audit bytes per change: the fixed workload of the spec.
    public const int BytesBulkInsertTransactions = 10;
    public const int BytesBulkInsertRows = 1_000;
    public const int BytesBulkUpdateRows = 10_000;
    public const int BytesSingleRowTransactions = 3_000;

    public static PgbenchSettings Full { get; } = new() { Mode = "full", WarmupSeconds = 5, MeasureSeconds = 15, Repetitions = 3 };

    public static PgbenchSettings Quick { get; } = new() { Mode = "quick", WarmupSeconds = 1, MeasureSeconds = 3, Repetitions = 1 };

    public const string Usage =
        "Usage: Threadline.Benchmarks --pgbench [--quick] [--out <file.md>] [--variants a,b] [--workloads insert,update,bulk-insert,bulk-update] " +
        "[--warmup-seconds N] [--measure-seconds N] [--repetitions N] | --pgbench --freeze-capture <file.sql> | --pgbench --install <variant> --database <connection string>";

    /// <summary>Parses the <c>--pgbench</c> command line; returns null and prints usage on anything else.</summary>
    public static PgbenchSettings? Parse(string[] args)
    {
        // --quick picks the defaults; explicit numbers override them wherever they appear.
        var settings = (args.Contains("--quick") ? Quick : Full) with { Arguments = args };
        for (var i = 0; i < args.Length; i++)
        {
            var hasValue = i + 1 < args.Length;
            switch (args[i])
            {
                case "--pgbench" or "--quick":
                    break;
                case "--out" when hasValue:
                    settings = settings with { OutputPath = args[++i] };
                    break;
                case "--freeze-capture" when hasValue:
                    settings = settings with { FreezeCapturePath = args[++i] };
                    break;
                case "--install" when hasValue:
                    settings = settings with { InstallVariant = args[++i] };
                    break;
                case "--database" when hasValue:
                    settings = settings with { InstallDatabase = args[++i] };
                    break;
                case "--variants" when hasValue:
                    settings = settings with { Variants = List(args[++i]) };
                    break;
                case "--workloads" when hasValue:
                    settings = settings with { Workloads = List(args[++i]) };
                    break;
                case "--warmup-seconds" when hasValue && int.TryParse(args[i + 1], out var warmup) && warmup >= 0:
                    settings = settings with { WarmupSeconds = warmup };
                    i++;
                    break;
                case "--measure-seconds" when hasValue && int.TryParse(args[i + 1], out var measure) && measure > 0:
                    settings = settings with { MeasureSeconds = measure };
                    i++;
                    break;
                case "--repetitions" when hasValue && int.TryParse(args[i + 1], out var repetitions) && repetitions > 0:
                    settings = settings with { Repetitions = repetitions };
                    i++;
                    break;
                default:
                    Console.Error.WriteLine($"Unknown or incomplete argument '{args[i]}'.");
                    Console.Error.WriteLine(Usage);
                    return null;
            }
        }

        return settings;
    }

    private static string[] List(string value) => value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
