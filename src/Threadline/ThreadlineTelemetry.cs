using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Threadline;

/// <summary>
/// Threadline's traces and metrics (catalog in docs/telemetry.md). Tags carry operation names, formats, table names
/// and outcomes only: never actor identities, ids from the audit context, or row data.
/// </summary>
public static class ThreadlineTelemetry
{
    public const string Name = "Threadline";

    public static readonly ActivitySource ActivitySource = new(Name);

    public static readonly Meter Meter = new(Name);

    /// <summary>Audit contexts handed to the database, tagged threadline.bridge = transaction, batch or efcore-command.</summary>
    public static readonly Counter<long> ContextsStamped = Meter.CreateCounter<long>("threadline.context.stamped", "{context}", "Audit contexts handed to the database.");

    public static readonly Counter<long> ExportedRows = Meter.CreateCounter<long>("threadline.export.rows", "{row}", "Audit rows written by exports.");

    public static readonly Counter<long> PurgedRows = Meter.CreateCounter<long>("threadline.purge.rows", "{row}", "Audit rows deleted by retention, by kind (change, transaction, action).");

    public static readonly Histogram<double> PurgeDuration = Meter.CreateHistogram<double>("threadline.purge.duration", "s", "Duration of a retention run.");

    /// <summary>Verification runs by kind (coverage, topology) and outcome (ok, failed).</summary>
    public static readonly Counter<long> Verifications = Meter.CreateCounter<long>("threadline.verification.runs", "{run}", "Coverage and topology verifications.");

    public static readonly Counter<long> CoverageFindings = Meter.CreateCounter<long>("threadline.coverage.findings", "{finding}", "Coverage findings that need attention, by kind.");
}
