namespace Threadline.Platform.Posts;

public sealed class Post
{
    public long Id { get; set; }
    public required string Title { get; set; }
    public string Body { get; set; } = "";
    /// <summary>Derived by the job worker after each change.</summary>
    public int? WordCount { get; set; }
    public DateTimeOffset? IndexedAt { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}
