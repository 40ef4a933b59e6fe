using Aspire.Hosting.Testing;
using Threadline.Testing;

namespace Threadline.IntegrationTests.Infrastructure;

/// <summary>
/// The platform with the Aspire dashboard on, as a developer runs it with the http launch profile (plain HTTP), on free
/// ports and with anonymous access. Its own collection: the dashboard receives every span the services export, so
/// trace counts are not disturbed by the other collections' traffic.
/// </summary>
public sealed class DashboardPlatformFixture() : PlatformFixture(DashboardEndpoints.OnFreePorts())
{
    /// <summary>
    /// Where the dashboard really listens: the testing builder randomizes proxied ports (DcpPublisher:RandomizePorts), the
    /// dashboard's frontend included, so the configured URL is only where the proxy is asked for, not where it ends up.
    /// </summary>
    public Uri DashboardUrl => App.GetEndpoint("aspire-dashboard", "http");

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        // The dashboard is a resource of its own; the services being healthy does not mean its frontend answers yet.
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var answered = await Eventually.TrueWithinAsync(PlatformBudgets.PlatformStart,
            async () => (await http.GetAsync(DashboardUrl)).IsSuccessStatusCode, TimeSpan.FromSeconds(1));
        if (!answered)
        {
            throw new InvalidOperationException($"The Aspire dashboard did not answer at {DashboardUrl}.");
        }
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DashboardPlatformCollection : ICollectionFixture<DashboardPlatformFixture>
{
    public const string Name = "platform-dashboard";
}
