using System.Text.RegularExpressions;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Threadline.Platform;

namespace Threadline.IntegrationTests.Infrastructure;

/// <summary>
/// A deliberately unsafe topology for the verifier to catch: a second PgBouncer over the same PostgreSQL, with the
/// platform's own configuration except pool_mode = statement (every statement may land on another backend).
/// </summary>
public sealed partial class StatementModePooler : IAsyncDisposable
{
    private readonly LocalPgBouncerProcess _process;

    private StatementModePooler(LocalPgBouncerProcess process, string connectionString)
    {
        _process = process;
        ConnectionString = connectionString;
    }

    public string ConnectionString { get; }

    public static async Task<StatementModePooler> StartAsync(TopologyFixture platform)
    {
        var model = platform.App.Services.GetRequiredService<DistributedApplicationModel>();
        var pgbouncer = model.Resources.OfType<ExecutableResource>().Single(r => r.Name == ResourceNames.PgBouncer);
        var ini = await File.ReadAllTextAsync(Path.Combine(pgbouncer.WorkingDirectory, "pgbouncer.ini"));
        var port = LocalPgBouncerProcess.FreeLoopbackPort();
        var directory = Directory.CreateTempSubdirectory("threadline-statement-pooler-").FullName;
        var userList = Path.Combine(directory, "userlist.txt");
        File.Copy(Path.Combine(pgbouncer.WorkingDirectory, "userlist.txt"), userList);
        ini = PoolMode().Replace(ini, "pool_mode = statement");
        ini = ListenPort().Replace(ini, $"listen_port = {port}");
        ini = AuthFile().Replace(ini, $"auth_file = {userList}");
        var iniPath = Path.Combine(directory, "pgbouncer.ini");
        await File.WriteAllTextAsync(iniPath, ini);

        var process = await LocalPgBouncerProcess.StartAsync(directory, iniPath, port);
        return new StatementModePooler(process, new NpgsqlConnectionStringBuilder(platform.AppConnectionString) { Port = port }.ConnectionString);
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();

    [GeneratedRegex(@"(?m)^pool_mode\s*=.*$")]
    private static partial Regex PoolMode();

    [GeneratedRegex(@"(?m)^listen_port\s*=.*$")]
    private static partial Regex ListenPort();

    [GeneratedRegex(@"(?m)^auth_file\s*=.*$")]
    private static partial Regex AuthFile();
}
