namespace Threadline.Samples.MinimalApi;

/// <summary>The sample's one audited entity: a short note.</summary>
public sealed class Note
{
    public long Id { get; set; }

    public string Text { get; set; } = "";
}
