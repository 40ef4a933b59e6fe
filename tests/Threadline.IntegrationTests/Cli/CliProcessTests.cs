using System.Diagnostics;
using Threadline.IntegrationTests.Infrastructure;

namespace Threadline.IntegrationTests.Cli;

/// <summary>The built tool as a real process: its Main, THREADLINE_CONNECTION from the environment, raw stdout.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class CliProcessTests(DatabaseFixture platform)
{
    [Fact]
    public async Task The_built_tool_reads_THREADLINE_CONNECTION_and_streams_an_export_to_standard_output()
    {
        await using var database = await TemporaryDatabase.CreateAsync(platform, "cli_process");
        (await CliRunner.RunAsync("schema", "install", "--connection", database.ConnectionString)).Expect(0);
        await database.ExecuteAsync("CREATE TABLE public.ledger (id int PRIMARY KEY, memo text)");
        (await CliRunner.RunAsync("capture", "enable", "--table", "ledger", "--connection", database.ConnectionString)).Expect(0);
        await using (var db = await database.OpenAsync())
        {
            await db.ExecAuditedAsync(new AuditContext(ActorRef.User("process-test")), "INSERT INTO public.ledger VALUES (1, 'naïve café'), (2, 'two')");
        }

        var export = await RunProcessAsync(database.ConnectionString, "export", "--table", "ledger", "--format", "ndjson");
        var unreachable = await RunProcessAsync("Host=127.0.0.1;Port=1;Database=x;Username=y;Password=z", "schema", "version");

        Assert.True(export.ExitCode == 0, export.ToString());
        var lines = export.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Equal("naïve café", System.Text.Json.JsonDocument.Parse(lines[0]).RootElement.GetProperty("data_after").GetProperty("memo").GetString());
        Assert.Contains("Exported 2 changes", export.Err, StringComparison.Ordinal);
        Assert.True(unreachable.ExitCode == 3, unreachable.ToString());
        Assert.DoesNotContain("   at ", unreachable.Err, StringComparison.Ordinal);
    }

    private static async Task<CliResult> RunProcessAsync(string connection, params string[] args)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = System.Text.Encoding.UTF8,
            StandardErrorEncoding = System.Text.Encoding.UTF8,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Threadline.Cli.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["THREADLINE_CONNECTION"] = connection;
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return new CliResult(process.ExitCode, await output, await error);
    }
}
