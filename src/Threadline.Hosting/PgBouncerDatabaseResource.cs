using Aspire.Hosting.ApplicationModel;

namespace Threadline.Hosting;

/// <summary>
/// A database reached through PgBouncer as one user. Its connection string carries the Npgsql settings a
/// transaction pooler needs: no DISCARD ALL on reuse and no prepared statements.
/// </summary>
public sealed class PgBouncerDatabaseResource(string name, IPgBouncerResource parent, string user, ParameterResource password)
    : Resource(name), IResourceWithParent<IPgBouncerResource>, IResourceWithConnectionString
{
    public IPgBouncerResource Parent { get; } = parent;

    public string User { get; } = user;

    public ParameterResource Password { get; } = password;

    public ReferenceExpression ConnectionStringExpression => PgBouncerConnectionStrings.Pooled(Parent, User, Password);
}
