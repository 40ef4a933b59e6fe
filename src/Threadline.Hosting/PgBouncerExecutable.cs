using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace Threadline.Hosting;

/// <summary>PgBouncer in local mode: Debian's <c>pgbouncer</c> on a free loopback port, configured from the run folder.</summary>
internal static class PgBouncerExecutable
{
    public static IResourceBuilder<PgBouncerExecutableResource> Add(InfrastructureRuntime runtime, string name, PgBouncerSettings settings)
    {
        var directory = runtime.LocalRun.Sub("pgbouncer");
        var port = FreePort.Next();
        var ini = Path.Combine(directory, "pgbouncer.ini");
        var userList = Path.Combine(directory, "userlist.txt");
        // PgBouncer refuses to run as root: as root, it runs as the service user.
        var (command, args) = runtime.AsUser(InfrastructureRuntime.ServiceUser, runtime.LocalBinaries.PgBouncer, [ini]);
        var executable = runtime.Builder.AddResource(new PgBouncerExecutableResource(name, command, directory, settings))
            .WithArgs(args.ToArray())
            // Not proxied: PgBouncer listens on the port itself, so the port in its ini and in connection strings agree.
            .WithEndpoint(name: PgBouncerSettings.EndpointName, port: port, targetPort: port, scheme: "tcp", isProxied: false);
        executable.OnBeforeResourceStarted(async (_, _, ct) =>
        {
            await PgBouncerConfigFiles.WriteAsync(settings, ini, userList, "127.0.0.1", port, userList,
                UnixFileMode.UserRead | UnixFileMode.UserWrite, ct).ConfigureAwait(false);
            LocalRunDirectory.ChownTo(directory, InfrastructureRuntime.ServiceUser);
        });
        return executable;
    }
}
