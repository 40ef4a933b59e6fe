namespace Threadline.Hosting;

/// <summary>The PostgreSQL image tag container mode runs unless <c>Threadline:Postgres:ImageTag</c> says otherwise.</summary>
internal static class PostgresContainerImageTags
{
    /// <remarks>17.6, on Aspire's registry and image (docker.io/library/postgres).</remarks>
    public const string Tag = "17.6";

    public const string TagKey = "Threadline:Postgres:ImageTag";
}
