using System.Net;
using System.Net.Sockets;

namespace Threadline.IntegrationTests.Infrastructure;

/// <summary>
/// The ports a test's Aspire dashboard is configured with: free loopback ports picked at run time instead of the launch
/// profile's 18888-18890, so a test run never collides with a developer's running AppHost (or another test run). The
/// resource service listens on its port as given; the frontend and OTLP ports are proxied and the testing builder
/// randomizes them, so read the frontend from the dashboard resource (DashboardPlatformFixture.DashboardUrl).
/// </summary>
public sealed record DashboardEndpoints(Uri Frontend, Uri Otlp, Uri ResourceService)
{
    public static DashboardEndpoints OnFreePorts() =>
        new(FreeLoopbackUri(), FreeLoopbackUri(), FreeLoopbackUri());

    /// <summary>
    /// The AppHost configuration for that dashboard: plain HTTP (as the committed http launch profile) and anonymous
    /// access, so the browser needs no login token.
    /// </summary>
    public IEnumerable<string> AppHostArguments() =>
    [
        $"--ASPNETCORE_URLS={Frontend}",
        $"--ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL={Otlp}",
        $"--ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL={ResourceService}",
        "--ASPIRE_ALLOW_UNSECURED_TRANSPORT=true",
        "--ASPIRE_DASHBOARD_UNSECURED_ALLOW_ANONYMOUS=true",
    ];

    private static Uri FreeLoopbackUri()
    {
        // The port is free when chosen; another process could take it before the dashboard binds, which would fail the
        // start loudly rather than reach the wrong server.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        return new Uri($"http://127.0.0.1:{port}");
    }
}
