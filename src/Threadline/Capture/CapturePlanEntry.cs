namespace Threadline.Capture;

/// <summary>One table of a capture plan ("schema.table"), with the reasons for its action, each naming what differs.</summary>
/// <param name="Table">The table, "schema.table".</param>
/// <param name="Action">What applying the plan would do to it.</param>
/// <param name="Reasons">Why, each naming what differs; empty for <see cref="CapturePlanAction.Unchanged"/>.</param>
public sealed record CapturePlanEntry(string Table, CapturePlanAction Action, IReadOnlyList<string> Reasons);
