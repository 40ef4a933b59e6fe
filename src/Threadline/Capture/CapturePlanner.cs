namespace Threadline.Capture;

/// <summary>The option differences between a captured table and the options it would be given, each named.</summary>
internal static class CapturePlanner
{
    public static List<string> Differences(CapturedTable before, TableCaptureOptions after, IReadOnlyList<string> keys)
    {
        var differences = new List<string>();
        void Compare(string what, IReadOnlyList<string> was, IReadOnlyList<string> will)
        {
            if (!was.SequenceEqual(will, StringComparer.Ordinal))
            {
                differences.Add($"{what}: {List(was)} -> {List(will)}");
            }
        }

        void Flag(string what, bool was, bool will)
        {
            if (was != will)
            {
                differences.Add($"{what}: {(was ? "yes" : "no")} -> {(will ? "yes" : "no")}");
            }
        }

        var stored = before.Options;
        Compare("key", before.KeyColumns, keys);
        Compare("exclude", stored.Exclude, after.Exclude);
        Compare("mask", stored.Mask, after.Mask);
        if (!string.Equals(stored.MaskPlaceholder, after.MaskPlaceholder, StringComparison.Ordinal))
        {
            differences.Add($"mask placeholder: {stored.MaskPlaceholder} -> {after.MaskPlaceholder}");
        }

        Flag("require actor", stored.RequireActor, after.RequireActor);
        Flag("record no-op updates", stored.RecordNoOpUpdates, after.RecordNoOpUpdates);
        Flag("allow anonymous", stored.AllowAnonymous, after.AllowAnonymous);
        return differences;
    }

    private static string List(IReadOnlyList<string> names) => names.Count == 0 ? "(none)" : string.Join(", ", names);
}
