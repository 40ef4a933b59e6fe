using System.Text.RegularExpressions;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Threadline.Platform;

namespace Threadline.IntegrationTests.Infrastructure;

/// <summary>
/// A second PgBouncer over the same PostgreSQL, with the platform's own configuration and user list except for the
/// pool mode and, optionally, the database it serves: pool_mode = statement is a deliberately unsafe topology for the
/// verifier to catch (every statement may land on another backend); transaction mode over a temporary database puts
/// the pooler in front of a test's own install.
/// </summary>
public sealed partial class SecondPooler : IAsyncDisposable
{
    private readonly LocalPgBouncerProcess _process;

    private SecondPooler(LocalPgBouncerProcess process, string connectionString)
    {
        _process = process;
        ConnectionString = connectionString;
    }

    public string ConnectionString { get; }

    /// <param name="platform">The running topology whose PgBouncer configuration is copied.</param>
    /// <param name="poolMode">statement or transaction.</param>
    /// <param name="database">The database to serve instead of the platform's (the app user logs in to it).</param>
    /// <param name="editIni">Changes the rendered pgbouncer.ini last, for a test that needs other limits.</param>
    public static async Task<SecondPooler> StartAsync(TopologyFixture platform, string poolMode, string? database = null, Func<string, string>? editIni = null)
    {
        var model = platform.App.Services.GetRequiredService<DistributedApplicationModel>();
        var pgbouncer = model.Resources.OfType<ExecutableResource>().Single(r => r.Name == ResourceNames.PgBouncer);
        var ini = await File.ReadAllTextAsync(Path.Combine(pgbouncer.WorkingDirectory, "pgbouncer.ini"));
        var port = LocalPgBouncerProcess.FreeLoopbackPort();
        var directory = Directory.CreateTempSubdirectory("threadline-second-pooler-").FullName;
        var userList = Path.Combine(directory, "userlist.txt");
        File.Copy(Path.Combine(pgbouncer.WorkingDirectory, "userlist.txt"), userList);
        ini = PoolMode().Replace(ini, $"pool_mode = {poolMode}");
        if (database is not null)
        {
            ini = DatabaseEntry().Replace(ini, m => $"{database}{m.Groups[1].Value}{database}");
        }

        ini = ListenPort().Replace(ini, $"listen_port = {port}");
        ini = AuthFile().Replace(ini, $"auth_file = {userList}");
        ini = editIni?.Invoke(ini) ?? ini;
        var iniPath = Path.Combine(directory, "pgbouncer.ini");
        await File.WriteAllTextAsync(iniPath, ini);

        var process = await LocalPgBouncerProcess.StartAsync(directory, iniPath, port);
        var app = new NpgsqlConnectionStringBuilder(platform.AppConnectionString);
        return new SecondPooler(process, new NpgsqlConnectionStringBuilder(platform.AppConnectionString) { Port = port, Database = database ?? app.Database }.ConnectionString);
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();

    [GeneratedRegex(@"(?m)^pool_mode\s*=.*$")]
    private static partial Regex PoolMode();

    [GeneratedRegex(@"(?m)^listen_port\s*=.*$")]
    private static partial Regex ListenPort();

    [GeneratedRegex(@"(?m)^auth_file\s*=.*$")]
    private static partial Regex AuthFile();

    /// <summary>The [databases] entry: its name, and after the backend's host and port, the database it connects to.</summary>
    [GeneratedRegex(@"(?m)^[^\s;\[=]+(\s*=\s*host=\S+\s+port=\S+\s+dbname=)\S+")]
    private static partial Regex DatabaseEntry();
}
