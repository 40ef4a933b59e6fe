using Aspire.Hosting.ApplicationModel;

namespace Threadline.Hosting;

/// <summary>
/// A PgBouncer pooler, whichever way it runs (<see cref="PgBouncerContainerResource"/> or
/// <see cref="PgBouncerExecutableResource"/>). Its connection string names the pooled database without a login; each
/// <see cref="PgBouncerDatabaseResource"/> adds one.
/// </summary>
public interface IPgBouncerResource : IResourceWithEndpoints, IResourceWithWaitSupport, IResourceWithConnectionString
{
    /// <summary>
    /// The settings PgBouncer's configuration and auth file are rendered from when it starts; changes made before the start
    /// (pool mode, pool size, pooled users) still apply.
    /// </summary>
    PgBouncerSettings Settings { get; }
}
