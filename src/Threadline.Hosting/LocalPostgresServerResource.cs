using System.Globalization;
using Aspire.Hosting.ApplicationModel;

namespace Threadline.Hosting;

/// <summary>PostgreSQL run from the local <c>postgres</c> executable, in a cluster created for this run.</summary>
/// <param name="name">The resource's name in the AppHost.</param>
/// <param name="command">The executable to run.</param>
/// <param name="workingDirectory">The folder it runs in.</param>
/// <param name="password">The superuser's password.</param>
/// <param name="port">The TCP port to listen on at 127.0.0.1.</param>
public sealed class LocalPostgresServerResource(string name, string command, string workingDirectory, ParameterResource password, int port)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    /// <summary>The superuser the cluster is created with and the server connection string logs in as.</summary>
    public const string SuperUser = "postgres";

    /// <summary>The TCP port PostgreSQL listens on at 127.0.0.1 (the server has no Unix-domain socket).</summary>
    public int Port { get; } = port;

    /// <summary>The superuser's password, set on the cluster when it is created.</summary>
    public ParameterResource PasswordParameter { get; } = password;

    /// <summary>A superuser connection to the server at 127.0.0.1 without a database (for setup and DDL, not for the application).</summary>
    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"Host=127.0.0.1;Port={Port.ToString(CultureInfo.InvariantCulture)};Username={SuperUser};Password={PasswordParameter}");
}
