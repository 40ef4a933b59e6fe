namespace Threadline.Hosting;

/// <summary>The host and port a pooler uses to reach PostgreSQL from where the pooler runs.</summary>
/// <param name="Host">The host name or address PgBouncer connects to.</param>
/// <param name="Port">The PostgreSQL port on that host.</param>
public sealed record PoolerBackend(string Host, int Port);
