namespace Threadline.Samples.MinimalApi;

/// <summary>The body of a new note.</summary>
public sealed record NewNote(string? Text);
