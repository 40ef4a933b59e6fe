namespace Threadline.Platform;

/// <summary>Published after a post is created or updated: the job worker refreshes the post's derived fields.</summary>
public sealed record PostChanged(long PostId);
