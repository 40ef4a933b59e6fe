using Aspire.Hosting.ApplicationModel;

namespace Threadline.Hosting;

/// <summary>A database on a server, addressed directly (not through the pooler). Used for DDL and schema installation.</summary>
/// <param name="name">The resource's name in the AppHost.</param>
/// <param name="databaseName">The database on the server.</param>
/// <param name="parent">The server resource.</param>
public sealed class DirectDatabaseResource(string name, string databaseName, IResourceWithConnectionString parent)
    : Resource(name), IResourceWithParent<IResourceWithConnectionString>, IResourceWithConnectionString
{
    /// <summary>The PostgreSQL database this resource connects to (the <c>Database=</c> of its connection string).</summary>
    public string DatabaseName { get; } = databaseName;

    /// <summary>The server resource whose connection string (host, port, superuser login) this database extends.</summary>
    public IResourceWithConnectionString Parent { get; } = parent;

    /// <summary>
    /// The server's connection string with <c>Database=</c> set: a direct, unpooled connection, so session state and DDL
    /// behave as on any PostgreSQL connection.
    /// </summary>
    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{Parent.ConnectionStringExpression};Database={DatabaseName}");
}
