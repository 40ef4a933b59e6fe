using Aspire.Hosting.ApplicationModel;

namespace Threadline.Hosting;

/// <summary>PgBouncer as the local <c>pgbouncer</c> executable (local runtime), configured from the run folder.</summary>
/// <param name="name">The resource's name in the AppHost.</param>
/// <param name="command">The executable to run.</param>
/// <param name="workingDirectory">The folder it runs in.</param>
/// <param name="settings">What PgBouncer's configuration is rendered from.</param>
public sealed class PgBouncerExecutableResource(string name, string command, string workingDirectory, PgBouncerSettings settings)
    : ExecutableResource(name, command, workingDirectory), IPgBouncerResource
{
    /// <inheritdoc/>
    public PgBouncerSettings Settings { get; } = settings;

    /// <summary>
    /// The pooled database at PgBouncer's endpoint, without a login, with the transaction-pooling settings
    /// (<c>No Reset On Close=true;Max Auto Prepare=0</c>); each <see cref="PgBouncerDatabaseResource"/> adds its user.
    /// </summary>
    public ReferenceExpression ConnectionStringExpression => PgBouncerConnectionStrings.Pooler(this);
}
