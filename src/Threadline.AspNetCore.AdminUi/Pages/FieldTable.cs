using Threadline.Query;

namespace Threadline.AspNetCore.AdminUi.Pages;

/// <summary>What the _FieldTable partial renders: a change's fields before and after, or a row's fields at one time.</summary>
internal sealed record FieldTable(string Caption, IReadOnlyList<FieldDiff> Fields, bool ShowBefore);
