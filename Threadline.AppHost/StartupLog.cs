using Microsoft.Extensions.Logging;

namespace Threadline.AppHost;

/// <summary>A console logger for decisions made before the application (and its logging) is built.</summary>
internal static class StartupLog
{
    public static ILogger Create() =>
        LoggerFactory.Create(logging => logging.AddSimpleConsole(o => o.SingleLine = true)).CreateLogger("Threadline.AppHost");
}
