using System.Globalization;
using Aspire.Hosting.ApplicationModel;

namespace Threadline.Hosting;

/// <summary>PostgreSQL run from the local <c>postgres</c> executable, in a cluster created for this run.</summary>
public sealed class LocalPostgresServerResource(string name, string command, string workingDirectory, ParameterResource password, int port)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    public const string SuperUser = "postgres";

    public int Port { get; } = port;

    public ParameterResource PasswordParameter { get; } = password;

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"Host=127.0.0.1;Port={Port.ToString(CultureInfo.InvariantCulture)};Username={SuperUser};Password={PasswordParameter}");
}
