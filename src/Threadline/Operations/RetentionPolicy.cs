namespace Threadline.Operations;

/// <summary>
/// How long audit rows are kept: a default window for every table, overrides per table ("schema.table"), and a
/// window for semantic actions. A transaction row goes when none of its changes remain and it is older than the
/// shortest window, so a purge never leaves an orphan behind and never removes a young one.
/// </summary>
public sealed record RetentionPolicy
{
    /// <summary>A policy that keeps every table's changes for <paramref name="defaultWindow"/>.</summary>
    /// <param name="defaultWindow">How long changes are kept unless <see cref="TableWindows"/> says otherwise; at least one hour.</param>
    public RetentionPolicy(TimeSpan defaultWindow)
    {
        DefaultWindow = defaultWindow;
    }

    /// <summary>How long changes of tables without their own window are kept; at least one hour.</summary>
    public TimeSpan DefaultWindow { get; init; }

    /// <summary>Windows per table, keyed by "schema.table"; each at least one hour.</summary>
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
    /// <summary>Rows deleted per batch (1 to 100,000); each batch is its own short transaction.</summary>
    public int BatchSize { get; init; } = 5_000;

    /// <summary>Stop after this many batches; no limit when <see langword="null"/>.</summary>
    public int? MaxBatches { get; init; }

    /// <summary>Start no new batch after this long; no limit when <see langword="null"/>.</summary>
    public TimeSpan? MaxDuration { get; init; }

    /// <summary>Pause between batches, to leave room for the application on a busy database.</summary>
    public TimeSpan PauseBetweenBatches { get; init; } = TimeSpan.Zero;
}

/// <summary>What a purge counted (dry run) or deleted (execute), per kind and per table.</summary>
/// <param name="Executed">Whether rows were deleted (<see langword="false"/> for a dry run, which only counts).</param>
/// <param name="AsOf">The run's "now": rows are judged against the windows as of this time.</param>
/// <param name="ChangesByTable">Changes deleted (or counted), keyed by "schema.table".</param>
/// <param name="Transactions">Transaction rows deleted (or counted): those left without changes and older than the shortest window.</param>
/// <param name="Actions">Action rows deleted (or counted).</param>
/// <param name="Batches">Delete batches run; 0 for a dry run.</param>
/// <param name="Duration">How long the run took.</param>
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
    /// <summary>Changes deleted (or counted) over all tables.</summary>
    public long Changes => ChangesByTable.Values.Sum();

    /// <summary>Partitions of changes dropped whole (executed) or that would be (dry run); empty without partitioning.</summary>
    public IReadOnlyList<string> Partitions { get; init; } = [];
}
