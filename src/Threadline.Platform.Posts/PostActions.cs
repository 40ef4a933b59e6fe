namespace Threadline.Platform.Posts;

/// <summary>Names of the semantic actions the platform records next to its captured changes.</summary>
public static class PostActions
{
    public const string Create = "posts.create";
    public const string Update = "posts.update";
    public const string Delete = "posts.delete";
    public const string Refresh = "posts.refresh";
}
