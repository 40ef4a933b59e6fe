namespace Threadline.Benchmarks;

/// <summary>The audit context a benchmark write carries: a per-client rotating user, a request id and a source, like a web request.</summary>
public static class BenchContext
{
    public static AuditContext For(int client, int sequence) =>
        new(ActorRef.User($"bench-user-{client}-{sequence % 16}"))
        {
            RequestId = $"bench-{client}-{sequence}",
            Source = "benchmark",
        };
}
