namespace Threadline.Platform;

/// <summary>The platform's tables that must never be written without audit capture.</summary>
public static class PlatformTables
{
    public static IReadOnlyList<string> MustBeCaptured { get; } = ["public.posts"];
}
