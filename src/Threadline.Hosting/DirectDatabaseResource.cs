using Aspire.Hosting.ApplicationModel;

namespace Threadline.Hosting;

/// <summary>A database on a server, addressed directly (not through the pooler). Used for DDL and schema installation.</summary>
public sealed class DirectDatabaseResource(string name, string databaseName, IResourceWithConnectionString parent)
    : Resource(name), IResourceWithParent<IResourceWithConnectionString>, IResourceWithConnectionString
{
    public string DatabaseName { get; } = databaseName;

    public IResourceWithConnectionString Parent { get; } = parent;

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{Parent.ConnectionStringExpression};Database={DatabaseName}");
}
