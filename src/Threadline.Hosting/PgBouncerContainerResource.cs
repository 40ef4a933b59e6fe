using Aspire.Hosting.ApplicationModel;

namespace Threadline.Hosting;

/// <summary>
/// PgBouncer as a container: reading its rendered configuration from a bind mount when the AppHost runs it, configured
/// by environment in a published manifest.
/// </summary>
/// <param name="name">The resource's name in the AppHost.</param>
/// <param name="settings">What PgBouncer's configuration is rendered from.</param>
public sealed class PgBouncerContainerResource(string name, PgBouncerSettings settings)
    : ContainerResource(name), IPgBouncerResource
{
    /// <inheritdoc/>
    public PgBouncerSettings Settings { get; } = settings;

    /// <summary>
    /// The pooled database at PgBouncer's endpoint, without a login, with the transaction-pooling settings
    /// (<c>No Reset On Close=true;Max Auto Prepare=0</c>); each <see cref="PgBouncerDatabaseResource"/> adds its user.
    /// </summary>
    public ReferenceExpression ConnectionStringExpression => PgBouncerConnectionStrings.Pooler(this);
}
