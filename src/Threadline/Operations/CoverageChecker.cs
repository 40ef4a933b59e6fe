using Npgsql;
using Threadline.Capture;
using Threadline.Schema;

namespace Threadline.Operations;

/// <summary>What <see cref="CoverageChecker"/> found for one table.</summary>
public enum CoverageStatus
{
    /// <summary>Registered, with its four capture triggers enabled and calling its own function.</summary>
    Covered,

    /// <summary>Declared as deliberately not captured.</summary>
    ExpectedUncovered,

    /// <summary>Must be captured and is not.</summary>
    Uncovered,

    /// <summary>A capture trigger exists but is disabled (ALTER TABLE ... DISABLE TRIGGER).</summary>
    TriggerDisabled,

    /// <summary>Registered, but some of the four capture triggers are gone.</summary>
    TriggerMissing,

    /// <summary>A capture trigger calls a function other than the table's own (left behind by a rename or a copy).</summary>
    StaleFunction,

    /// <summary>More capture triggers than the four, so changes would be recorded twice.</summary>
    DuplicateTrigger,

    /// <summary>Capture triggers on a table Threadline has no record of.</summary>
    UnregisteredTriggers,

    /// <summary>Registered, but the table no longer exists (dropped or renamed).</summary>
    MissingTable,

    /// <summary>
    /// The table's columns moved since capture was applied: a redacted or key column renamed or dropped, a column added.
    /// Redaction still holds (it follows the columns); the detail names the column and what to decide.
    /// </summary>
    ColumnDrift,
}

/// <summary>One finding; <see cref="Table"/> is schema.table.</summary>
/// <param name="Table">The table, schema.table.</param>
/// <param name="Status">What was found.</param>
/// <param name="Detail">The finding in words, with what to do about it.</param>
public sealed record CoverageFinding(string Table, CoverageStatus Status, string Detail)
{
    /// <summary>Whether the finding needs attention: anything but covered or deliberately uncovered.</summary>
    public bool IsProblem => Status is not (CoverageStatus.Covered or CoverageStatus.ExpectedUncovered);
}

/// <summary>What must be covered: named tables, or every table of some schemas, minus declared exceptions.</summary>
public sealed record CoverageExpectation
{
    /// <summary>Tables (schema.table) that must be captured.</summary>
    public IReadOnlyList<string> Required { get; init; } = [];

    /// <summary>Every table in these schemas must be captured, except <see cref="ExpectedUncovered"/>.</summary>
    public IReadOnlyList<string> RequiredSchemas { get; init; } = [];

    /// <summary>Tables (schema.table) deliberately not captured, with the reason kept next to the decision.</summary>
    public IReadOnlyDictionary<string, string> ExpectedUncovered { get; init; } = new Dictionary<string, string>();
}

/// <summary>All findings; <see cref="RequiredHealthy"/> is what a health check or CI gate should use.</summary>
/// <param name="Findings">One finding per table in scope or captured.</param>
/// <param name="RequiredTables">The tables (schema.table) that had to be captured: the named ones and those of the required schemas.</param>
public sealed record CoverageReport(IReadOnlyList<CoverageFinding> Findings, IReadOnlySet<string> RequiredTables)
{
    /// <summary>No problem on any required table.</summary>
    public bool RequiredHealthy => !Findings.Any(f => f.IsProblem && RequiredTables.Contains(f.Table));

    /// <summary>No problem anywhere, including tables captured without being required.</summary>
    public bool Healthy => !Findings.Any(f => f.IsProblem);
}

/// <summary>
/// Compares what should be captured with what the catalog says: the registry, every trigger that calls a function in
/// the audit schema, and whether each is enabled and points at the table's own function. Schema-aware throughout.
/// Needs only catalog access and SELECT on captured_tables (the writer and reader roles have it).
/// </summary>
/// <param name="options">The schema and role names of the installation; <see cref="ThreadlineSchemaOptions.Default"/> when omitted.</param>
public sealed class CoverageChecker(ThreadlineSchemaOptions? options = null)
{
    private readonly ThreadlineSchemaOptions _options = options ?? ThreadlineSchemaOptions.Default;

    /// <summary>
    /// Compares <paramref name="expectation"/> with the catalog: the tables in scope, the <c>captured_tables</c> registry,
    /// every trigger that calls a function in the audit schema, and column drift since capture was applied. Reads only.
    /// </summary>
    /// <param name="connection">An open connection with catalog access and SELECT on <c>captured_tables</c>.</param>
    /// <param name="expectation">The tables and schemas that must be captured, and the declared exceptions.</param>
    /// <param name="cancellationToken">Cancels the queries.</param>
    /// <returns>A finding per table in scope or captured; <see cref="CoverageReport.RequiredHealthy"/> is the gate.</returns>
    public async Task<CoverageReport> CheckAsync(NpgsqlConnection connection, CoverageExpectation expectation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(expectation);
        using var activity = ThreadlineTelemetry.ActivitySource.StartActivity("threadline.verify.coverage");
        var tables = await ReadTablesAsync(connection, expectation, cancellationToken).ConfigureAwait(false);
        var registered = await ReadRegistryAsync(connection, cancellationToken).ConfigureAwait(false);
        var triggers = await ReadCaptureTriggersAsync(connection, cancellationToken).ConfigureAwait(false);
        var drift = await new CaptureManager(_options).FindDriftAsync(connection, cancellationToken).ConfigureAwait(false);

        var required = new HashSet<string>(expectation.Required, StringComparer.Ordinal);
        required.UnionWith(tables.Where(t => expectation.RequiredSchemas.Contains(t[..t.IndexOf('.', StringComparison.Ordinal)])));
        required.ExceptWith(expectation.ExpectedUncovered.Keys);

        var findings = new List<CoverageFinding>();
        var all = required.Concat(registered.Keys).Concat(triggers.Keys).Concat(expectation.ExpectedUncovered.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        foreach (var table in all)
        {
            var tableTriggers = triggers.GetValueOrDefault(table) ?? [];
            if (registered.TryGetValue(table, out var function))
            {
                findings.AddRange(CheckRegistered(table, function, tables.Contains(table), tableTriggers, drift.GetValueOrDefault(table) ?? []));
            }
            else if (tableTriggers.Count > 0)
            {
                findings.Add(new CoverageFinding(table, CoverageStatus.UnregisteredTriggers,
                    $"Triggers {string.Join(", ", tableTriggers.Select(t => t.Name))} call audit functions, but the table is not registered; enable capture again or drop them."));
            }
            else if (expectation.ExpectedUncovered.TryGetValue(table, out var reason))
            {
                findings.Add(new CoverageFinding(table, CoverageStatus.ExpectedUncovered, reason));
            }
            else if (required.Contains(table))
            {
                findings.Add(new CoverageFinding(table, CoverageStatus.Uncovered,
                    tables.Contains(table) ? "Must be captured and is not: enable capture on it." : "Must be captured, but no such table exists."));
            }
        }

        ThreadlineTelemetry.Verifications.Add(1, new("kind", "coverage"), new("outcome", findings.Any(f => f.IsProblem && required.Contains(f.Table)) ? "failed" : "ok"));
        foreach (var problem in findings.Where(f => f.IsProblem))
        {
            ThreadlineTelemetry.CoverageFindings.Add(1, new KeyValuePair<string, object?>("kind", problem.Status.ToString()));
        }

        return new CoverageReport(findings, required);
    }

    private static IEnumerable<CoverageFinding> CheckRegistered(string table, string function, bool exists, IReadOnlyList<CaptureTrigger> triggers, IReadOnlyList<string> drift)
    {
        if (!exists)
        {
            yield return new CoverageFinding(table, CoverageStatus.MissingTable, "Registered for capture, but the table no longer exists; disable capture for it or restore the table.");
            yield break;
        }

        var problems = 0;
        var missing = CaptureSqlGenerator.TriggerNames.Where(n => triggers.All(t => t.Name != n)).ToArray();
        if (missing.Length > 0)
        {
            problems++;
            yield return new CoverageFinding(table, CoverageStatus.TriggerMissing, $"Missing {string.Join(", ", missing)}; enable capture again.");
        }

        var disabled = triggers.Where(t => !t.Enabled).Select(t => t.Name).ToArray();
        if (disabled.Length > 0)
        {
            problems++;
            yield return new CoverageFinding(table, CoverageStatus.TriggerDisabled, $"Disabled: {string.Join(", ", disabled)}; ALTER TABLE ... ENABLE TRIGGER, and find out who disabled it.");
        }

        var stale = triggers.Where(t => t.Function != function).Select(t => $"{t.Name} -> {t.Function}").ToArray();
        if (stale.Length > 0)
        {
            problems++;
            yield return new CoverageFinding(table, CoverageStatus.StaleFunction, $"Expected {function}; found {string.Join(", ", stale)}. Enable capture again.");
        }

        var extra = triggers.Where(t => !CaptureSqlGenerator.TriggerNames.Contains(t.Name)).Select(t => t.Name).ToArray();
        if (extra.Length > 0)
        {
            problems++;
            yield return new CoverageFinding(table, CoverageStatus.DuplicateTrigger, $"Extra capture triggers {string.Join(", ", extra)} would record changes twice; drop them.");
        }

        // One finding per drifted column, so each is reported (and counted) by name.
        foreach (var column in drift)
        {
            problems++;
            yield return new CoverageFinding(table, CoverageStatus.ColumnDrift, column);
        }

        if (problems == 0)
        {
            yield return new CoverageFinding(table, CoverageStatus.Covered, $"Captured by {function}.");
        }
    }

    /// <summary>The existing tables that matter here: in the required schemas, named, registered, or carrying capture triggers.</summary>
    private async Task<HashSet<string>> ReadTablesAsync(NpgsqlConnection connection, CoverageExpectation expectation, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(AuditSchemaNames.For(_options).Statement("coverage_tables"), connection);
        command.Parameters.Add(new NpgsqlParameter { Value = expectation.RequiredSchemas.ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = expectation.Required.Concat(expectation.ExpectedUncovered.Keys).ToArray() });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var tables = new HashSet<string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            tables.Add(reader.GetString(0));
        }

        return tables;
    }

    private async Task<Dictionary<string, string>> ReadRegistryAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"SELECT table_schema || '.' || table_name, function_name FROM {AuditSchemaNames.For(_options).CapturedTables}", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var registry = new Dictionary<string, string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            registry[reader.GetString(0)] = reader.GetString(1);
        }

        return registry;
    }

    private async Task<Dictionary<string, List<CaptureTrigger>>> ReadCaptureTriggersAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(AuditSchemaNames.For(_options).Statement("coverage_triggers"), connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var triggers = new Dictionary<string, List<CaptureTrigger>>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var table = reader.GetString(0);
            if (!triggers.TryGetValue(table, out var list))
            {
                triggers[table] = list = [];
            }

            list.Add(new CaptureTrigger(reader.GetString(1), reader.GetBoolean(2), reader.GetString(3)));
        }

        return triggers;
    }

    private sealed record CaptureTrigger(string Name, bool Enabled, string Function);
}
