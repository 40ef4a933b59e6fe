using System.Globalization;
using Microsoft.Extensions.Configuration;
using Threadline.Platform;

namespace Threadline.AppHost;

/// <summary>
/// How many instances of each stateless service (posts-api, job-worker, admin) run: <c>Platform:Replicas</c>, 1 unless
/// set. More than one runs each service as that many processes behind its endpoint's proxy (WithReplicas); the outbox
/// dispatcher (SKIP LOCKED), the idempotent consumer (processed_messages) and RabbitMQ's competing consumers are what
/// make that safe (ReplicaTests).
/// </summary>
internal static class PlatformReplicas
{
    /// <summary>Upper bound: each replica is a whole .NET process on a developer machine.</summary>
    public const int Max = 10;

    /// <summary>The configured count; a clear error for anything but a whole number from 1 to <see cref="Max"/>.</summary>
    public static int Read(IConfiguration configuration)
    {
        var text = configuration[PlatformConfig.Replicas];
        if (string.IsNullOrWhiteSpace(text))
        {
            return 1;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count is >= 1 and <= Max
            ? count
            : throw new InvalidOperationException(
                $"{PlatformConfig.Replicas} is '{text}'; it must be a whole number from 1 to {Max} (instances of posts-api, job-worker and admin).");
    }

    /// <summary>Runs <paramref name="count"/> instances of the project; one (no annotation) leaves the model as it was.</summary>
    public static IResourceBuilder<ProjectResource> WithPlatformReplicas(this IResourceBuilder<ProjectResource> project, int count) =>
        count == 1 ? project : project.WithReplicas(count);
}
