using Aspire.Hosting.ApplicationModel;

namespace Threadline.Hosting;

/// <summary>PgBouncer as the local <c>pgbouncer</c> executable (local runtime), configured from the run folder.</summary>
public sealed class PgBouncerExecutableResource(string name, string command, string workingDirectory, PgBouncerSettings settings)
    : ExecutableResource(name, command, workingDirectory), IPgBouncerResource
{
    public PgBouncerSettings Settings { get; } = settings;

    public ReferenceExpression ConnectionStringExpression => PgBouncerConnectionStrings.Pooler(this);
}
