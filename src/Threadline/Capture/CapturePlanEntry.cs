namespace Threadline.Capture;

/// <summary>One table of a capture plan ("schema.table"), with the reasons for its action, each naming what differs.</summary>
public sealed record CapturePlanEntry(string Table, CapturePlanAction Action, IReadOnlyList<string> Reasons);
