namespace Threadline.Hosting;

/// <summary>The PgBouncer image container mode runs unless <c>Threadline:PgBouncer:Image</c> or <c>:Tag</c> says otherwise.</summary>
internal static class PgBouncerContainerImageTags
{
    /// <remarks>docker.io</remarks>
    public const string Registry = "docker.io";

    /// <remarks>edoburu/pgbouncer</remarks>
    public const string Image = "edoburu/pgbouncer";

    /// <remarks>v1.24.1-p1: PgBouncer 1.24.1, the newest release when pinned.</remarks>
    public const string Tag = "v1.24.1-p1";
}
