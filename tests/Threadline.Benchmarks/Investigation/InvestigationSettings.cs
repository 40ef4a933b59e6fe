using System.Globalization;

namespace Threadline.Benchmarks.Investigation;

/// <summary>
/// How much <c>--investigation</c> loads and measures. Full-run arithmetic (here): two loads of 5 million changes at
/// about 2–4 minutes each plus VACUUM (ANALYZE), 11 scenarios × 2 databases × 220 calls (a few ms each), and 8
/// exports of a million rows (about 10–20 s each): roughly 15–20 minutes, well under the 40-minute bound.
/// </summary>
public sealed record InvestigationSettings
{
    public required string Mode { get; init; }

    public required long Changes { get; init; }

    /// <summary>Business rows the changes are spread over.</summary>
    public required int Rows { get; init; }

    /// <summary>Timed calls per scenario and database.</summary>
    public required int Samples { get; init; }

    /// <summary>Untimed calls per scenario and database first.</summary>
    public required int WarmupSamples { get; init; }

    /// <summary>Sampling of one scenario stops after this long (once it has 20 calls), so a slow lookup cannot eat the run.</summary>
    public required TimeSpan ScenarioBudget { get; init; }

    /// <summary>Rows per export (maxRows): the oldest that many changes.</summary>
    public required int ExportRows { get; init; }

    public string? OutputPath { get; init; }

    /// <summary>The arguments as given, for the report's reproduce line.</summary>
    public IReadOnlyList<string> Arguments { get; init; } = [];

    public static InvestigationSettings Full { get; } = new() { Mode = "full", Changes = 5_000_000, Rows = 50_000, Samples = 200, WarmupSamples = 20, ScenarioBudget = TimeSpan.FromSeconds(60), ExportRows = 1_000_000 };

    public static InvestigationSettings Quick { get; } = new() { Mode = "quick", Changes = 320_000, Rows = 10_000, Samples = 30, WarmupSamples = 5, ScenarioBudget = TimeSpan.FromSeconds(15), ExportRows = 100_000 };

    public const string Usage = "Usage: Threadline.Benchmarks --investigation [--quick] [--out <file.md>] [--changes N] [--rows N] [--samples N] [--export-rows N]";

    /// <summary>Parses the <c>--investigation</c> command line; returns null and prints usage on anything else.</summary>
    public static InvestigationSettings? Parse(string[] args)
    {
        var settings = (args.Contains("--quick") ? Quick : Full) with { Arguments = args };
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            long number = 0;
            var isNumber = value is not null && long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out number) && number > 0;
            switch (args[i])
            {
                case "--investigation" or "--quick":
                    break;
                case "--out" when value is not null:
                    settings = settings with { OutputPath = value };
                    i++;
                    break;
                case "--changes" when isNumber:
                    settings = settings with { Changes = number };
                    i++;
                    break;
                case "--rows" when isNumber && number <= int.MaxValue:
                    settings = settings with { Rows = (int)number };
                    i++;
                    break;
                case "--samples" when isNumber && number <= 100_000:
                    settings = settings with { Samples = (int)number };
                    i++;
                    break;
                case "--export-rows" when isNumber && number <= Threadline.Query.AuditExporter.MaxRowsLimit:
                    settings = settings with { ExportRows = (int)number };
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
}
