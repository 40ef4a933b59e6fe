using Aspire.Hosting.ApplicationModel;

namespace Threadline.Hosting;

/// <summary>PgBouncer as a container (container runtime), reading its rendered configuration from a bind mount.</summary>
public sealed class PgBouncerContainerResource(string name, PgBouncerSettings settings)
    : ContainerResource(name), IPgBouncerResource
{
    public PgBouncerSettings Settings { get; } = settings;

    public ReferenceExpression ConnectionStringExpression => PgBouncerConnectionStrings.Pooler(this);
}
