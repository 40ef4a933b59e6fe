using System.Text.Json.Nodes;
using Threadline.Query;

namespace Threadline.Benchmarks.Investigation;

/// <summary>
/// The investigation lookups the admin API and the CLI make, each through <see cref="AuditReader"/> with random
/// parameters drawn from the dataset's own formulas: timeline pages (no filter, by table, by actor, by correlation id,
/// by time window), deep pages through the cursor, a row's history, its state at a time, and a diff.
/// </summary>
public static class InvestigationScenarios
{
    public const int PageSize = AuditFilterParser.DefaultLimit;

    public static IReadOnlyList<LatencyScenario> For(InvestigationDataset data) =>
    [
        new("Timeline, first page, no filter", _ => (reader, ct) => Page(reader, AuditFilter.All, null, ct)),
        new("Timeline, deep page (cursor), no filter", random =>
        {
            var cursor = DeepCursor(data, random);
            return (reader, ct) => Page(reader, AuditFilter.All, cursor, ct);
        }),
        new("By table, first page", random =>
        {
            var filter = TableFilter(random);
            return (reader, ct) => Page(reader, filter, null, ct);
        }),
        new("By table, deep page (cursor)", random =>
        {
            var filter = TableFilter(random);
            var cursor = DeepCursor(data, random);
            return (reader, ct) => Page(reader, filter, cursor, ct);
        }),
        new("By actor, first page", random =>
        {
            var filter = ActorFilter(data, random);
            return (reader, ct) => Page(reader, filter, null, ct);
        }),
        new("By actor, deep page (cursor)", random =>
        {
            var filter = ActorFilter(data, random);
            var cursor = DeepCursor(data, random);
            return (reader, ct) => Page(reader, filter, cursor, ct);
        }),
        new("By correlation id", random =>
        {
            var filter = new AuditFilter { CorrelationId = InvestigationDataset.CorrelationOfTransaction(random.NextInt64(data.TotalTransactions)) };
            return (reader, ct) => Page(reader, filter, null, ct);
        }),
        new("By time window (1 h), first page", random =>
        {
            var from = RandomTime(data, random);
            var filter = new AuditFilter { From = from, To = from.AddHours(1) };
            return (reader, ct) => Page(reader, filter, null, ct);
        }),
        new("Row history, first page", random =>
        {
            var (table, key) = RandomRow(data, random);
            return async (reader, ct) => (await reader.GetRowHistoryAsync("public", table, key, cancellationToken: ct)).Items.Count;
        }),
        new("Row state as of a time", random =>
        {
            var (table, key) = RandomRow(data, random);
            var at = RandomTime(data, random);
            return async (reader, ct) => (await reader.GetStateAsOfAsync("public", table, key, at, ct)).State == RowStateKind.Exists ? 1 : 0;
        }),
        new("Diff of one change", random =>
        {
            var id = 1 + random.NextInt64(data.TotalChanges);
            return async (reader, ct) => (await reader.GetDiffAsync(id, ct))?.Fields.Count ?? 0;
        }),
    ];

    private static async Task<int> Page(AuditReader reader, AuditFilter filter, AuditCursor? cursor, CancellationToken ct) =>
        (await reader.QueryAsync(filter, cursor, PageSize, AuditOrder.NewestFirst, ct)).Items.Count;

    private static AuditFilter TableFilter(Random random) =>
        new() { Schema = "public", Table = InvestigationDataset.Tables[random.Next(InvestigationDataset.Tables.Length)] };

    /// <summary>An actor in proportion to their transactions: mostly users, sometimes the service account or the job.</summary>
    private static AuditFilter ActorFilter(InvestigationDataset data, Random random)
    {
        var (type, id) = InvestigationDataset.ActorOfTransaction(random.NextInt64(data.TotalTransactions));
        return new AuditFilter { ActorType = type, ActorId = id };
    }

    /// <summary>Where a client that kept following next-page cursors would be: anywhere in the history.</summary>
    private static AuditCursor DeepCursor(InvestigationDataset data, Random random) =>
        new(RandomTime(data, random), long.MaxValue);

    private static DateTimeOffset RandomTime(InvestigationDataset data, Random random) =>
        data.Start + (data.End - data.Start) * random.NextDouble();

    private static (string Table, JsonObject Key) RandomRow(InvestigationDataset data, Random random)
    {
        var row = 1 + random.NextInt64(data.Rows);
        return (InvestigationDataset.TableOfRow(row), new JsonObject { ["id"] = row });
    }
}
