namespace Threadline.Capture;

/// <summary>Capture cannot be enabled as asked: the message says what to change.</summary>
/// <param name="message">What is wrong, naming the table or column.</param>
public sealed class CaptureException(string message) : InvalidOperationException(message);
