using Threadline.Query;

namespace Threadline.Platform.AdminService.Pages;

/// <summary>What the _FieldTable partial renders: a change's fields before and after, or a row's fields at one time.</summary>
public sealed record FieldTable(string Caption, IReadOnlyList<FieldDiff> Fields, bool ShowBefore);
