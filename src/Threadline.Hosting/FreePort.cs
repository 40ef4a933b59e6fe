using System.Net;
using System.Net.Sockets;

namespace Threadline.Hosting;

/// <summary>Allocates free loopback TCP ports for local executables (they listen on the port directly, without a proxy).</summary>
internal static class FreePort
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
