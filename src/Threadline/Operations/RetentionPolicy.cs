namespace Threadline.Operations;

/// <summary>
/// How long audit rows are kept: a default window for every table, overrides per table ("schema.table"), and a
/// window for semantic actions. A transaction row goes when none of its changes remain and it is older than the
/// shortest window, so a purge never leaves an orphan behind and never removes a young one.
/// </summary>
public sealed record RetentionPolicy
{
    public RetentionPolicy(TimeSpan defaultWindow)
    {
        DefaultWindow = defaultWindow;
    }

    public TimeSpan DefaultWindow { get; init; }

    public IReadOnlyDictionary<string, TimeSpan> TableWindows { get; init; } = new Dictionary<string, TimeSpan>();

    /// <summary>Actions are kept this long (default: the default window).</summary>
    public TimeSpan? ActionWindow { get; init; }

    /// <summary>Checks every window; throws <see cref="ArgumentException"/> naming the bad one.</summary>
    public void Validate()
    {
        Check("the default window", DefaultWindow);
        Check("the action window", ActionWindow ?? DefaultWindow);
        foreach (var (table, window) in TableWindows)
        {
            if (table.Split('.') is not [{ Length: > 0 }, { Length: > 0 }])
            {
                throw new ArgumentException($"Table '{table}' in the retention policy must be written schema.table.");
            }

            Check($"the window of {table}", window);
        }

        static void Check(string what, TimeSpan window)
        {
            if (window < TimeSpan.FromHours(1))
            {
                throw new ArgumentException($"{what} is {window}; the shortest retention window is one hour, so a typo cannot purge live history.");
            }
        }
    }

    internal TimeSpan ShortestWindow => TableWindows.Values.Append(DefaultWindow).Min();

    /// <summary>Only rows older than every window may go with a whole partition.</summary>
    internal TimeSpan LongestWindow => TableWindows.Values.Append(DefaultWindow).Max();
}

/// <summary>Bounds on one purge run; whatever is left waits for the next run.</summary>
public sealed record PurgeLimits
{
    public int BatchSize { get; init; } = 5_000;

    public int? MaxBatches { get; init; }

    public TimeSpan? MaxDuration { get; init; }

    /// <summary>Pause between batches, to leave room for the application on a busy database.</summary>
    public TimeSpan PauseBetweenBatches { get; init; } = TimeSpan.Zero;
}

/// <summary>What a purge counted (dry run) or deleted (execute), per kind and per table.</summary>
/// <param name="Complete">False when a limit stopped an executed run early; the remaining rows wait for the next run.</param>
public sealed record PurgeSummary(
    bool Executed,
    DateTimeOffset AsOf,
    IReadOnlyDictionary<string, long> ChangesByTable,
    long Transactions,
    long Actions,
    int Batches,
    TimeSpan Duration,
    bool Complete)
{
    public long Changes => ChangesByTable.Values.Sum();

    /// <summary>Partitions of changes dropped whole (executed) or that would be (dry run); empty without partitioning.</summary>
    public IReadOnlyList<string> Partitions { get; init; } = [];
}
