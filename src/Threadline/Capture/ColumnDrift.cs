using System.Globalization;
using System.Text.Json;

namespace Threadline.Capture;

/// <summary>
/// How a captured table's columns moved since capture was last applied, compared by column identity (attnum) with
/// the snapshot the registry keeps in <c>captured_tables.options</c>. Each finding names its column and says what the
/// capture function does about it now and what the owner should decide. Used by coverage and by the apply plan.
/// </summary>
internal static class ColumnDrift
{
    /// <summary>Registry keys in <c>captured_tables.options</c>, written by <see cref="CaptureSqlGenerator"/>.</summary>
    public const string Columns = "columns";
    public const string ExcludeAttnums = "exclude_attnums";
    public const string MaskAttnums = "mask_attnums";

    /// <param name="keys">The key columns as registered.</param>
    /// <param name="options">The options as registered (names as written when capture was applied).</param>
    /// <param name="storedOptionsJson"><c>captured_tables.options</c> as stored, holding the column snapshot.</param>
    /// <param name="current">The table's columns now: attnum to name.</param>
    public static IReadOnlyList<string> Find(IReadOnlyList<string> keys, TableCaptureOptions options, string storedOptionsJson, IReadOnlyDictionary<int, string> current)
    {
        var snapshot = ReadSnapshot(storedOptionsJson);
        if (snapshot is null)
        {
            return ["capture was applied without column identity (by a Threadline version before redaction followed the schema): renames of redacted columns are not followed; re-apply capture."];
        }

        var drift = new List<string>();
        var now = current.ToDictionary(c => c.Value, c => c.Key, StringComparer.Ordinal);
        var then = snapshot.ToDictionary(c => c.Value, c => c.Key, StringComparer.Ordinal);

        void Named(IEnumerable<string> names, string what, Func<string, string> renamed, string dropped)
        {
            foreach (var name in names.Where(n => !now.ContainsKey(n)))
            {
                drift.Add(then.TryGetValue(name, out var attnum) && current.TryGetValue(attnum, out var newName)
                    ? $"{what} {name} was renamed to {newName}; {renamed(newName)}"
                    : $"{what} {name} no longer exists; {dropped}");
            }
        }

        Named(options.Mask, "masked column", n => $"it is still masked; name {n} in Mask and re-apply capture.", "a column added under that name is masked; remove it from Mask and re-apply capture.");
        Named(options.Exclude, "excluded column", n => $"it is still excluded; name {n} in Exclude and re-apply capture.", "a column added under that name is excluded; remove it from Exclude and re-apply capture.");
        Named(keys, "key column", n => $"writes to the table fail until capture is re-applied with key {n}.", "writes to the table fail until capture is re-applied with another key.");

        foreach (var (attnum, name) in current.OrderBy(c => c.Key))
        {
            var redaction = Redaction(options, name);
            if (!snapshot.TryGetValue(attnum, out var oldName))
            {
                drift.Add(redaction is null
                    ? $"column {name} was added since capture was applied and is captured in clear; mask or exclude it, or re-apply capture to accept it."
                    : $"column {name} was added under the name of a dropped {redaction} column and is {redaction}; re-apply capture to confirm.");
            }
            else if (oldName != name && redaction is not null && Redaction(options, oldName) is null)
            {
                drift.Add($"column {oldName} was renamed to {name}, a {redaction} name, and is {redaction}; re-apply capture to confirm.");
            }
        }

        return drift;
    }

    private static string? Redaction(TableCaptureOptions options, string name) =>
        options.Exclude.Contains(name, StringComparer.Ordinal) ? "excluded"
        : options.Mask.Contains(name, StringComparer.Ordinal) ? "masked"
        : null;

    private static Dictionary<int, string>? ReadSnapshot(string storedOptionsJson)
    {
        using var document = JsonDocument.Parse(storedOptionsJson);
        if (!document.RootElement.TryGetProperty(Columns, out var columns) || columns.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        return columns.EnumerateObject().ToDictionary(c => int.Parse(c.Name, CultureInfo.InvariantCulture), c => c.Value.GetString() ?? "");
    }
}
