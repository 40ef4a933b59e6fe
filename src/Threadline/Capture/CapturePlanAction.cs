namespace Threadline.Capture;

/// <summary>What <see cref="CaptureManager.ApplyAsync"/> would do to one table.</summary>
public enum CapturePlanAction
{
    /// <summary>Not captured yet: capture would be enabled.</summary>
    Enable,

    /// <summary>Captured with other options: they would be applied.</summary>
    Change,

    /// <summary>Same options, but the triggers are not whole or the columns drifted: capture would be regenerated.</summary>
    Refresh,

    /// <summary>Nothing would change.</summary>
    Unchanged,

    /// <summary>Captured but not listed, with disableUnlisted: capture would be disabled.</summary>
    Disable,
}
