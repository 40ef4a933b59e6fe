namespace Threadline.Capture;

/// <summary>
/// One captured table as written in configuration (for example <c>Threadline:Capture:Tables</c> in appsettings.json);
/// settable properties so any configuration binder can fill it. <see cref="ToOptions"/> gives the validated form.
/// </summary>
public sealed class TableCaptureSettings
{
    public string Schema { get; set; } = "public";

    public string Table { get; set; } = "";

    public List<string>? KeyColumns { get; set; }

    public List<string> Exclude { get; set; } = [];

    public List<string> Mask { get; set; } = [];

    public string MaskPlaceholder { get; set; } = TableCaptureOptions.DefaultMaskPlaceholder;

    public bool RequireActor { get; set; }

    public bool RecordNoOpUpdates { get; set; }

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
            };
}
