using System.Diagnostics;

namespace Threadline.Platform.PostsApi;

/// <summary>
/// Test-only crash points, active only when the AppHost sets Platform:FaultInjection (the integration tests do).
/// A request carrying <c>X-Platform-Fault: exit-after-commit</c> kills the process right after its transaction
/// commits and before anything is published, the window a transactional outbox must survive.
/// </summary>
public sealed class FaultInjection(IConfiguration configuration)
{
    public const string Header = "X-Platform-Fault";
    public const string ExitAfterCommit = "exit-after-commit";

    private readonly bool _enabled = configuration.GetValue<bool>(PlatformConfig.FaultInjection);

    public void AfterCommit(HttpContext http)
    {
        if (_enabled && http.Request.Headers[Header] == ExitAfterCommit)
        {
            // As abrupt as a power cut: no shutdown, no flush, no dispatch.
            Process.GetCurrentProcess().Kill();
        }
    }
}
