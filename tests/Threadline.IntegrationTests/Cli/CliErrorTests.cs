using Npgsql;
using Threadline.IntegrationTests.Infrastructure;

namespace Threadline.IntegrationTests.Cli;

/// <summary>Exit codes 2 (usage), 3 (unreachable, authentication) and help; never a stack trace.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class CliErrorTests(DatabaseFixture platform)
{
    [Theory]
    [InlineData(new[] { "capture", "list", "--bogus" }, "--bogus")]
    [InlineData(new[] { "capture", "enable" }, "--table")]
    [InlineData(new[] { "retention", "purge", "--window", "9x" }, "--window")]
    [InlineData(new[] { "retention", "purge" }, "--window")]
    [InlineData(new[] { "export", "--filter", "op=upsert" }, "upsert")]
    [InlineData(new[] { "schema", "script", "--from", "999" }, "--from")]
    [InlineData(new[] { "schema", "script", "--from", "5" }, "--from 5: versions 1 to 11 were never released")]
    [InlineData(new[] { "verify", "topology", "--clients", "lots" }, "--clients")]
    [InlineData(new[] { "verify", "topology", "--format", "html" }, "html")]
    [InlineData(new[] { "verify", "coverage", "--expect-uncovered", "public.t" }, "--expect-uncovered")]
    [InlineData(new[] { "frobnicate" }, "frobnicate")]
    [InlineData(new[] { "schema" }, "install, script, version")]
    public async Task Usage_errors_exit_2_with_a_message_naming_the_argument(string[] args, string named)
    {
        var result = (await CliRunner.RunAsync([.. args, "--connection", platform.DirectConnectionString])).Expect(2);

        Assert.Contains(named, result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_connection_the_error_names_the_option_and_the_environment_variable()
    {
        var result = (await CliRunner.RunAsync("schema", "version", "--json")).Expect(2);

        Assert.Contains("--connection", result.Err, StringComparison.Ordinal);
        Assert.Contains("THREADLINE_CONNECTION", result.Err, StringComparison.Ordinal);
        Assert.Equal(2, result.Json.GetProperty("exitCode").GetInt32());
    }

    [Fact]
    public async Task An_unreachable_database_exits_3_with_a_clear_message()
    {
        const string nowhere = "Host=127.0.0.1;Port=1;Database=app;Username=nobody;Password=x;Timeout=5";

        var version = (await CliRunner.RunAsync("schema", "version", "--connection", nowhere)).Expect(3);
        var topology = (await CliRunner.RunAsync("verify", "topology", "--clients", "1", "--transactions", "1", "--connection", nowhere)).Expect(3);
        var export = (await CliRunner.RunAsync("export", "--dry-run", "--connection", nowhere)).Expect(3);
        var fromEnvironment = (await CliRunner.RunWithEnvironmentAsync(new Dictionary<string, string> { ["THREADLINE_CONNECTION"] = nowhere }, "capture", "list")).Expect(3);

        Assert.Contains("127.0.0.1:1", version.Err, StringComparison.Ordinal);
        Assert.Contains("connection refused", version.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("Password", version.Err, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("127.0.0.1:1", topology.Err, StringComparison.Ordinal);
        Assert.Contains("127.0.0.1:1", export.Err, StringComparison.Ordinal);
        Assert.Contains("127.0.0.1:1", fromEnvironment.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_password_exits_3_directly_and_through_pgbouncer()
    {
        var direct = new NpgsqlConnectionStringBuilder(platform.DirectConnectionString) { Password = "wrong-password" }.ConnectionString;
        var pooled = new NpgsqlConnectionStringBuilder(platform.AppConnectionString) { Password = "wrong-password" }.ConnectionString;

        var viaDirect = (await CliRunner.RunAsync("schema", "version", "--connection", direct)).Expect(3);
        var viaPooler = (await CliRunner.RunAsync("verify", "coverage", "--json", "--connection", pooled)).Expect(3);

        Assert.Contains("password authentication failed", viaDirect.Err, StringComparison.Ordinal);
        Assert.Contains("28P01", viaDirect.Err, StringComparison.Ordinal);
        Assert.Contains("authentication failed", viaPooler.Err, StringComparison.Ordinal);
        Assert.Contains("check the user name and password", viaPooler.Err, StringComparison.Ordinal);
        Assert.Contains("check the user name and password", viaDirect.Err, StringComparison.Ordinal);
        Assert.Equal(3, viaPooler.Json.GetProperty("exitCode").GetInt32());
        Assert.DoesNotContain("wrong-password", viaDirect.Err + viaPooler.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_teaches_with_examples_and_lists_the_exit_codes()
    {
        var root = (await CliRunner.RunAsync("--help")).Expect(0);
        var purge = (await CliRunner.RunAsync("retention", "purge", "--help")).Expect(0);
        var export = (await CliRunner.RunAsync("export", "-h")).Expect(0);

        Assert.Contains("Usage:", root.Out, StringComparison.Ordinal);
        Assert.Contains("Exit codes:", root.Out, StringComparison.Ordinal);
        Assert.Contains("THREADLINE_CONNECTION", root.Out, StringComparison.Ordinal);
        Assert.Contains("DRY RUN BY DEFAULT", purge.Out, StringComparison.Ordinal);
        Assert.Contains("--as-of", purge.Out, StringComparison.Ordinal);
        Assert.Contains("Examples:", purge.Out, StringComparison.Ordinal);
        Assert.Contains("threadline retention purge --window 90d --execute", purge.Out, StringComparison.Ordinal);
        Assert.Contains("--actor-type", export.Out, StringComparison.Ordinal);
        Assert.Contains("--filter <name=value>", export.Out, StringComparison.Ordinal);
    }
}
