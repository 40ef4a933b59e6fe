namespace Threadline.Capture;

/// <summary>
/// One captured table as written in configuration (for example <c>Threadline:Capture:Tables</c> in appsettings.json);
/// settable properties so any configuration binder can fill it. <see cref="ToOptions"/> gives the validated form.
/// </summary>
public sealed class TableCaptureSettings
{
    /// <summary>See <see cref="TableCaptureOptions.Schema"/>. Defaults to <c>public</c>.</summary>
    public string Schema { get; set; } = "public";

    /// <summary>See <see cref="TableCaptureOptions.Table"/>. Required.</summary>
    public string Table { get; set; } = "";

    /// <summary>See <see cref="TableCaptureOptions.KeyColumns"/>. Empty or missing means the primary key.</summary>
    public List<string>? KeyColumns { get; set; }

    /// <summary>See <see cref="TableCaptureOptions.Exclude"/>.</summary>
    public List<string> Exclude { get; set; } = [];

    /// <summary>See <see cref="TableCaptureOptions.Mask"/>.</summary>
    public List<string> Mask { get; set; } = [];

    /// <summary>See <see cref="TableCaptureOptions.MaskPlaceholder"/>.</summary>
    public string MaskPlaceholder { get; set; } = TableCaptureOptions.DefaultMaskPlaceholder;

    /// <summary>See <see cref="TableCaptureOptions.RequireActor"/>.</summary>
    public bool RequireActor { get; set; }

    /// <summary>See <see cref="TableCaptureOptions.RecordNoOpUpdates"/>.</summary>
    public bool RecordNoOpUpdates { get; set; }

    /// <summary>See <see cref="TableCaptureOptions.AllowAnonymous"/>.</summary>
    public bool AllowAnonymous { get; set; }

    /// <summary>Converts the configured values to <see cref="TableCaptureOptions"/>; the columns are checked against the table when capture is enabled.</summary>
    /// <returns>The options to enable capture with.</returns>
    /// <exception cref="CaptureException"><see cref="Table"/> is empty.</exception>
    public TableCaptureOptions ToOptions() =>
        string.IsNullOrWhiteSpace(Table)
            ? throw new CaptureException("A captured table in configuration has no Table name.")
            : new TableCaptureOptions(Table, Schema)
            {
                KeyColumns = KeyColumns is { Count: > 0 } ? KeyColumns : null,
                Exclude = Exclude,
                Mask = Mask,
                MaskPlaceholder = MaskPlaceholder,
                RequireActor = RequireActor,
                RecordNoOpUpdates = RecordNoOpUpdates,
                AllowAnonymous = AllowAnonymous,
            };
}
