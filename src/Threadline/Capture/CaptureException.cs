namespace Threadline.Capture;

/// <summary>Capture cannot be enabled as asked: the message says what to change.</summary>
public sealed class CaptureException(string message) : InvalidOperationException(message);
