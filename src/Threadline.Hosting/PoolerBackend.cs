namespace Threadline.Hosting;

/// <summary>The host and port a pooler uses to reach PostgreSQL from where the pooler runs.</summary>
public sealed record PoolerBackend(string Host, int Port);
