using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Threadline.Hosting;

/// <summary>
/// The runtime chosen for infrastructure (containers or local executables) and, in local mode, where the
/// executables are and where this run keeps its data. Create it once per AppHost, before adding resources.
/// </summary>
public sealed class InfrastructureRuntime
{
    private InfrastructureRuntime(IDistributedApplicationBuilder builder, RuntimeMode mode, string reason, LocalBinaries? binaries, LocalRunDirectory? runDirectory)
    {
        Builder = builder;
        Mode = mode;
        Reason = reason;
        Binaries = binaries;
        RunDirectory = runDirectory;
    }

    /// <summary>The system user PostgreSQL and PgBouncer run as when the AppHost runs as root.</summary>
    public const string ServiceUser = "postgres";

    /// <summary>
    /// Test-only: replaces the <c>postgres</c> server executable (not initdb), so tests can force a resource whose process
    /// fails at start and check what the failure report says. Never set outside tests.
    /// </summary>
    public const string TestingPostgresCommandKey = "Threadline:Testing:PostgresCommand";

    /// <summary>The AppHost builder the infrastructure resources are added to.</summary>
    public IDistributedApplicationBuilder Builder { get; }

    /// <summary>Whether resources run as containers or as local executables; always containers in publish mode.</summary>
    public RuntimeMode Mode { get; }

    /// <summary>Why <see cref="Mode"/> was chosen (configuration, what the container probe answered, or publish mode), for logs.</summary>
    public string Reason { get; }

    /// <summary>The local PostgreSQL, PgBouncer and RabbitMQ executables; <see langword="null"/> in container mode.</summary>
    public LocalBinaries? Binaries { get; }

    /// <summary>The folder this run keeps local data and rendered configuration in; <see langword="null"/> in container mode.</summary>
    public LocalRunDirectory? RunDirectory { get; }

    /// <summary>
    /// Chooses the runtime with <see cref="RuntimeSelector.Select"/> (containers in publish mode) and, in local mode, finds
    /// the executables (installing them with apt-get when running as root, unless <c>Threadline:InstallPrerequisites</c> is
    /// <c>false</c>) and creates this run's folder under <c>Threadline:LocalDataRoot</c> (default: <c>.threadline/</c> in
    /// the AppHost folder).
    /// </summary>
    /// <param name="builder">The AppHost builder; its configuration decides the runtime.</param>
    /// <param name="logger">Receives the decision and any installation or fallback warnings; nothing is logged when omitted.</param>
    /// <returns>The runtime to add resources with.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException">
    /// <c>Threadline:Runtime</c> has an unknown value, or local mode needs executables that are missing and cannot be installed.
    /// </exception>
    public static InfrastructureRuntime Create(IDistributedApplicationBuilder builder, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        logger ??= NullLogger.Instance;
        var (mode, reason) = RuntimeSelector.Select(builder.Configuration);
        if (builder.ExecutionContext.IsPublishMode)
        {
            // A deployment manifest always describes containers.
            mode = RuntimeMode.Container;
            reason = "publish mode";
        }

        LocalBinaries? binaries = null;
        LocalRunDirectory? runDirectory = null;
        if (mode == RuntimeMode.Local)
        {
            var allowInstall = !string.Equals(builder.Configuration["Threadline:InstallPrerequisites"], "false", StringComparison.OrdinalIgnoreCase);
            binaries = LocalBinaries.Resolve(logger, allowInstall);
            var root = builder.Configuration["Threadline:LocalDataRoot"] ?? Path.Combine(builder.AppHostDirectory, ".threadline");
            // PostgreSQL and PgBouncer run as the postgres user (when this process is root), which must reach the run folder.
            runDirectory = LocalRunDirectory.Create(root, ServiceUser, logger);
        }

        logger.LogInformation("Threadline infrastructure runtime: {Mode} ({Reason}){Data}", mode, reason,
            runDirectory is null ? "" : $"; local data in {runDirectory.Path}");
        return new InfrastructureRuntime(builder, mode, reason, binaries, runDirectory);
    }

    /// <summary>A runtime decided by the caller, for model tests: local mode without looking for (or installing) executables.</summary>
    internal static InfrastructureRuntime Create(IDistributedApplicationBuilder builder, RuntimeMode mode, LocalBinaries? binaries, LocalRunDirectory? runDirectory) =>
        new(builder, mode, "set by the caller", binaries, runDirectory);

    internal LocalBinaries LocalBinaries => Binaries ?? throw new InvalidOperationException("Local executables are only used in local mode.");

    internal LocalRunDirectory LocalRun => RunDirectory ?? throw new InvalidOperationException("The run folder is only used in local mode.");

    /// <summary>Runs a command as another user when this process is root (PostgreSQL and PgBouncer refuse to run as root).</summary>
    internal (string Command, IReadOnlyList<string> Args) AsUser(string user, string command, IEnumerable<string> args)
    {
        if (Environment.UserName != "root")
        {
            return (command, args.ToArray());
        }

        return ("setpriv", [$"--reuid={user}", $"--regid={user}", "--init-groups", "--", command, .. args]);
    }

    internal static async Task<string> ValueAsync(ParameterResource parameter, CancellationToken cancellationToken) =>
        await ((IValueProvider)parameter).GetValueAsync(cancellationToken).ConfigureAwait(false)
        ?? throw new InvalidOperationException($"Parameter {parameter.Name} has no value.");
}
