using Aspire.Hosting.ApplicationModel;

namespace Threadline.Hosting;

/// <summary>
/// A database reached through PgBouncer as one user. Its connection string carries the Npgsql settings a
/// transaction pooler needs: no DISCARD ALL on reuse and no prepared statements.
/// </summary>
/// <param name="name">The resource's name in the AppHost.</param>
/// <param name="parent">The pooler.</param>
/// <param name="databaseName">The PostgreSQL database, exposed by PgBouncer under the same name.</param>
/// <param name="user">The login role.</param>
/// <param name="password">The login role's password.</param>
public sealed class PgBouncerDatabaseResource(string name, IPgBouncerResource parent, string databaseName, string user, ParameterResource password)
    : Resource(name), IResourceWithParent<IPgBouncerResource>, IResourceWithConnectionString
{
    /// <summary>The pooler this database is reached through.</summary>
    public IPgBouncerResource Parent { get; } = parent;

    /// <summary>The PostgreSQL database (the <c>Database=</c> of the connection string), one of the pooler's <c>[databases]</c>.</summary>
    public string DatabaseName { get; } = databaseName;

    /// <summary>The login role, listed in PgBouncer's auth file; it must exist in PostgreSQL with the same password.</summary>
    public string User { get; } = user;

    /// <summary>The login role's password, written to PgBouncer's auth file and to the connection string.</summary>
    public ParameterResource Password { get; } = password;

    /// <summary>
    /// A connection through PgBouncer as <see cref="User"/>, with <c>No Reset On Close=true;Max Auto Prepare=0</c>: a
    /// transaction pooler hands each transaction any server connection, so Npgsql must not reset or prepare on it.
    /// </summary>
    public ReferenceExpression ConnectionStringExpression => PgBouncerConnectionStrings.Pooled(Parent, DatabaseName, User, Password);
}
