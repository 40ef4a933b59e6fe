using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace Threadline.Hosting;

/// <summary>
/// PgBouncer in container mode: the pinned image, its configuration rendered at start into a read-only bind mount; in
/// publish mode configured by environment instead (PgBouncerContainerEnvironment).
/// </summary>
internal static class PgBouncerContainer
{
    public const string ConfigDirectory = "/etc/pgbouncer";
    public const int Port = 5432;

    public const string ImageKey = "Threadline:PgBouncer:Image";
    public const string TagKey = "Threadline:PgBouncer:Tag";

    public static IResourceBuilder<PgBouncerContainerResource> Add(IDistributedApplicationBuilder builder, string name, PgBouncerSettings settings)
    {
        var image = builder.Configuration[ImageKey];
        var container = builder.AddResource(new PgBouncerContainerResource(name, settings))
            .WithImage(image ?? PgBouncerContainerImageTags.Image, builder.Configuration[TagKey] ?? PgBouncerContainerImageTags.Tag)
            .WithEndpoint(name: PgBouncerSettings.EndpointName, targetPort: Port, scheme: "tcp");
        if (image is null)
        {
            // Only the pinned image gets a registry: a configured image names its own.
            container.WithImageRegistry(PgBouncerContainerImageTags.Registry);
        }

        if (builder.ExecutionContext.IsPublishMode)
        {
            // A deployment has no AppHost to render files at start: the manifest carries the configuration as
            // environment variables and the auth password as a secret parameter (PgBouncerContainerEnvironment).
            return container.WithEnvironment(context =>
            {
                foreach (var (variable, value) in PgBouncerContainerEnvironment.Build(name, settings, Port))
                {
                    context.EnvironmentVariables[variable] = value;
                }
            });
        }

        return WithRenderedFiles(container, name, settings);
    }

    private static IResourceBuilder<PgBouncerContainerResource> WithRenderedFiles(IResourceBuilder<PgBouncerContainerResource> container, string name, PgBouncerSettings settings)
    {
        // A fresh folder of this process's own for each model (issue 29): a fixed shared parent under /tmp, created by
        // whichever user ran first, could not be written by any other user. mkdtemp creates it as 0700; the container's
        // pgbouncer user has another uid and must pass through it to read the files, so it is opened to 0755.
        var hostDirectory = Directory.CreateTempSubdirectory($"threadline-pgbouncer-{name}-").FullName;
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(hostDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }

        container
            .WithBindMount(hostDirectory, ConfigDirectory, isReadOnly: true)
            .WithArgs($"{ConfigDirectory}/pgbouncer.ini")
            .OnBeforeResourceStarted((_, _, ct) => PgBouncerConfigFiles.WriteAsync(
            settings,
            Path.Combine(hostDirectory, "pgbouncer.ini"),
            Path.Combine(hostDirectory, "userlist.txt"),
            "0.0.0.0", Port, $"{ConfigDirectory}/userlist.txt",
            // Plain-text, per-run generated passwords. The container's pgbouncer user has another uid, so the bind-mounted
            // file must be world-readable; not writable by anyone else. Known limitation of container mode (see docs/topology.md).
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
            ct));
        return container;
    }
}
