using Aspire.Hosting;
using Aspire.Hosting.Testing;
using Threadline.Platform;
using Threadline.Testing;

namespace Threadline.IntegrationTests.Infrastructure;

/// <summary>
/// The platform with <see cref="Replicas"/> instances each of posts-api, job-worker and admin (the AppHost's
/// Platform:Replicas), for ReplicaTests. Ready once every instance of every service runs and has answered its own
/// health check through the service's proxy: the AppHost's health wait by name is satisfied by one instance.
/// </summary>
public sealed class ReplicaPlatformFixture : PlatformFixture
{
    public const int Replicas = 2;

    private readonly Dictionary<string, IReadOnlyList<ServiceInstanceInfo>> _instances = new(StringComparer.Ordinal);

    /// <summary>The running instances of each service, as the resource model reported them at start.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<ServiceInstanceInfo>> Instances => _instances;

    protected override string StartName => "Replicated platform start";

    protected override IEnumerable<string> MoreAppHostArguments => [$"--{PlatformConfig.Replicas}={Replicas}"];

    protected override async Task StartAsync(DistributedApplication app, CancellationToken cancellationToken)
    {
        await base.StartAsync(app, cancellationToken);
        foreach (var service in PlatformStarter.Services)
        {
            var instances = await ServiceInstances.WaitForRunningAsync(app, service, Replicas, cancellationToken);
            _instances[service] = instances;
            var expected = instances.Select(i => i.InstanceId).OfType<string>().ToHashSet(StringComparer.Ordinal);
            var endpoint = app.GetEndpoint(service, "http");
            var answered = new HashSet<string>(StringComparer.Ordinal);
            // A replica runs before it listens; its first health answers may come some seconds later.
            var all = await Eventually.TrueWithinAsync(PlatformBudgets.PlatformStart, async () =>
            {
                answered.UnionWith(await ServiceInstances.AnsweringAsync(endpoint, "/health", 4, cancellationToken));
                return expected.Count == Replicas && expected.IsSubsetOf(answered);
            }, TimeSpan.FromSeconds(1));
            if (!all)
            {
                throw new TimeoutException(
                    $"{service}: instances [{string.Join(", ", instances)}] in the model, healthy answers from [{string.Join(", ", answered)}].");
            }
        }
    }
}
