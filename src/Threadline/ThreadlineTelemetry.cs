using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Threadline;

/// <summary>
/// Threadline's traces and metrics (catalog in docs/telemetry.md). Tags carry operation names, formats, table names
/// and outcomes only: never actor identities, ids from the audit context, or row data.
/// </summary>
public static class ThreadlineTelemetry
{
    /// <summary>The name of the activity source and the meter: subscribe to <c>Threadline</c> to collect both.</summary>
    public const string Name = "Threadline";

    /// <summary>The source of Threadline's spans (<c>threadline.audit</c>, <c>threadline.purge</c>, <c>threadline.seal</c>, the verifications).</summary>
    public static readonly ActivitySource ActivitySource = new(Name);

    /// <summary>The meter all of Threadline's instruments belong to.</summary>
    public static readonly Meter Meter = new(Name);

    /// <summary>Audit contexts handed to the database, tagged threadline.bridge = transaction, batch or efcore-command.</summary>
    public static readonly Counter<long> ContextsStamped = Meter.CreateCounter<long>("threadline.context.stamped", "{context}", "Audit contexts handed to the database.");

    /// <summary>Audit rows written by exports, tagged <c>format</c> (json, ndjson, csv).</summary>
    public static readonly Counter<long> ExportedRows = Meter.CreateCounter<long>("threadline.export.rows", "{row}", "Audit rows written by exports.");

    /// <summary>Audit rows deleted by retention, tagged <c>kind</c> (change, transaction, action).</summary>
    public static readonly Counter<long> PurgedRows = Meter.CreateCounter<long>("threadline.purge.rows", "{row}", "Audit rows deleted by retention, by kind (change, transaction, action).");

    /// <summary>How long a retention run took, in seconds.</summary>
    public static readonly Histogram<double> PurgeDuration = Meter.CreateHistogram<double>("threadline.purge.duration", "s", "Duration of a retention run.");

    /// <summary>Verification runs by kind (coverage, topology, completeness, integrity) and outcome (ok, failed).</summary>
    public static readonly Counter<long> Verifications = Meter.CreateCounter<long>("threadline.verification.runs", "{run}", "Verification runs by kind (coverage, topology, completeness, integrity) and outcome.");

    /// <summary>Coverage findings that need attention, tagged <c>kind</c> with the <see cref="Operations.CoverageStatus"/>.</summary>
    public static readonly Counter<long> CoverageFindings = Meter.CreateCounter<long>("threadline.coverage.findings", "{finding}", "Coverage findings that need attention, by kind.");
}
