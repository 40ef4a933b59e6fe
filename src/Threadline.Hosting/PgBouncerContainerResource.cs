using Aspire.Hosting.ApplicationModel;

namespace Threadline.Hosting;

/// <summary>
/// PgBouncer as a container: reading its rendered configuration from a bind mount when the AppHost runs it, configured
/// by environment in a published manifest.
/// </summary>
public sealed class PgBouncerContainerResource(string name, PgBouncerSettings settings)
    : ContainerResource(name), IPgBouncerResource
{
    public PgBouncerSettings Settings { get; } = settings;

    public ReferenceExpression ConnectionStringExpression => PgBouncerConnectionStrings.Pooler(this);
}
