namespace Threadline.Testing;

/// <summary>
/// How long the platform and its resources may take to start, stop and restart, in ONE place: the integration tests'
/// PlatformFixture (the shared, dashboard and replica platforms), ResourceControl and the benchmark platform all use these
/// (linked into each project from tests/Shared). Sized for a loaded, shared 2-core machine: unloaded, the whole platform
/// is healthy in 15-20 s and a project restarts in 5-10 s, but with two other test runs or `yes` loops competing for the
/// cores each `dotnet run` wrapper (MSBuild evaluation) and each .NET start-up takes several times longer. A budget only
/// bounds a wait that already fails fast: a resource whose process exits while it is awaited is reported at once
/// (Infrastructure/ResourceDiagnostics in the integration tests).
/// </summary>
internal static class PlatformBudgets
{
    /// <summary>From BuildAsync to every service healthy.</summary>
    public static readonly TimeSpan PlatformStart = TimeSpan.FromMinutes(8);

    /// <summary>StopAsync of the whole platform (DCP stops every child, 4-10 s unloaded).</summary>
    public static readonly TimeSpan PlatformStop = TimeSpan.FromMinutes(2);

    /// <summary>A resource started again (after a stop, a crash or a SIGKILL) until it reports healthy.</summary>
    public static readonly TimeSpan ResourceRestart = TimeSpan.FromMinutes(4);

    /// <summary>One resource command (start, stop, restart) and waiting for a process to end.</summary>
    public static readonly TimeSpan ResourceCommand = TimeSpan.FromMinutes(3);
}
