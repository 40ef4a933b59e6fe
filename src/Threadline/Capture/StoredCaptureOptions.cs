using System.Text.Json;
using System.Text.Json.Serialization;

namespace Threadline.Capture;

/// <summary>A table's options as stored in <c>captured_tables.options</c>; the key columns have their own column.</summary>
internal sealed record StoredCaptureOptions(
    [property: JsonPropertyName("exclude")] IReadOnlyList<string>? Exclude,
    [property: JsonPropertyName("mask")] IReadOnlyList<string>? Mask,
    [property: JsonPropertyName("mask_placeholder")] string? MaskPlaceholder,
    [property: JsonPropertyName("require_actor")] bool RequireActor,
    [property: JsonPropertyName("record_no_op_updates")] bool RecordNoOpUpdates,
    // Absent from options stored before it existed: false, so a strict table refuses anonymous writes from then on.
    [property: JsonPropertyName("allow_anonymous")] bool AllowAnonymous = false)
{
    public static string ToJson(TableCaptureOptions options) =>
        JsonSerializer.Serialize(new StoredCaptureOptions(options.Exclude, options.Mask, options.MaskPlaceholder, options.RequireActor, options.RecordNoOpUpdates, options.AllowAnonymous));

    public static TableCaptureOptions FromJson(string schema, string table, IReadOnlyList<string> keys, string json)
    {
        var stored = JsonSerializer.Deserialize<StoredCaptureOptions>(json)
            ?? throw new CaptureException($"The stored capture options of {schema}.{table} are empty.");
        return new TableCaptureOptions(table, schema)
        {
            KeyColumns = keys,
            Exclude = stored.Exclude ?? [],
            Mask = stored.Mask ?? [],
            MaskPlaceholder = stored.MaskPlaceholder ?? TableCaptureOptions.DefaultMaskPlaceholder,
            RequireActor = stored.RequireActor,
            RecordNoOpUpdates = stored.RecordNoOpUpdates,
            AllowAnonymous = stored.AllowAnonymous,
        };
    }
}
