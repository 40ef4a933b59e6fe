using System.Text.Json;
using Npgsql;
using Threadline.Cli;

namespace Threadline.IntegrationTests.Cli;

/// <summary>What one run of the threadline CLI printed and returned.</summary>
public sealed record CliResult(int ExitCode, string Out, string Err)
{
    public JsonElement Json => JsonDocument.Parse(Out).RootElement.Clone();

    public override string ToString() => $"exit code {ExitCode}\n--- stdout ---\n{Out}\n--- stderr ---\n{Err}";
}

/// <summary>
/// Runs the real CLI in process (real parsing, real databases) with captured standard output and error, and an
/// environment of its own so THREADLINE_CONNECTION from the test process never leaks in.
/// </summary>
public static class CliRunner
{
    public static Task<CliResult> RunAsync(params string[] args) => RunWithEnvironmentAsync(new Dictionary<string, string>(), args);

    public static async Task<CliResult> RunWithEnvironmentAsync(IReadOnlyDictionary<string, string> variables, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var environment = new CliEnvironment(name => variables.GetValueOrDefault(name), () => new TextWriterStream(output));
        var code = await global::Threadline.Cli.Program.RunAsync(args, output, error, environment).WaitAsync(TimeSpan.FromMinutes(3));
        return new CliResult(code, output.ToString(), error.ToString());
    }

    /// <summary>Asserts the exit code, showing everything the CLI printed when it differs; never a stack trace.</summary>
    public static CliResult Expect(this CliResult result, int exitCode)
    {
        Assert.True(result.ExitCode == exitCode, $"expected exit code {exitCode}, got {result}");
        Assert.DoesNotContain("   at ", result.Err, StringComparison.Ordinal);
        return result;
    }

    public static async Task<long> ScalarAsync(string connectionString, string sql)
    {
        await using var db = new NpgsqlConnection(connectionString);
        await db.OpenAsync();
        await using var command = new NpgsqlCommand(sql, db);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
