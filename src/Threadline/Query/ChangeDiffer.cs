using System.Text.Json;

namespace Threadline.Query;

/// <summary>Field-by-field view of a change, from its stored images.</summary>
internal static class ChangeDiffer
{
    public static IReadOnlyList<FieldDiff> Diff(AuditEntry change, IReadOnlySet<string> maskedColumns, string placeholder)
    {
        var before = Properties(change.DataBefore);
        var after = Properties(change.DataAfter);
        var changed = change.Op switch
        {
            "update" => new HashSet<string>(change.ChangedFields ?? [], StringComparer.Ordinal),
            "insert" => new HashSet<string>(after.Keys, StringComparer.Ordinal),
            "delete" => new HashSet<string>(before.Keys, StringComparer.Ordinal),
            _ => [],
        };

        // Updates store only the previous values of changed fields; unchanged fields show their current value on both sides.
        return after.Keys.Union(before.Keys).Order(StringComparer.Ordinal).Select(field =>
        {
            var b = before.TryGetValue(field, out var bv) ? bv : change.Op == "update" && after.TryGetValue(field, out var same) && !changed.Contains(field) ? same : (JsonElement?)null;
            var a = after.TryGetValue(field, out var av) ? av : (JsonElement?)null;
            var masked = maskedColumns.Contains(field) && (IsPlaceholder(a, placeholder) || IsPlaceholder(b, placeholder));
            return new FieldDiff(field, b, a, changed.Contains(field), masked);
        }).ToArray();
    }

    private static Dictionary<string, JsonElement> Properties(JsonElement? image) =>
        image is { ValueKind: JsonValueKind.Object } obj
            ? obj.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone(), StringComparer.Ordinal)
            : new Dictionary<string, JsonElement>(StringComparer.Ordinal);

    private static bool IsPlaceholder(JsonElement? value, string placeholder) =>
        value is { ValueKind: JsonValueKind.String } s && s.GetString() == placeholder;
}
