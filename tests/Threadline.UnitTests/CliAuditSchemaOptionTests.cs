using Threadline.Cli;

namespace Threadline.UnitTests;

/// <summary>
/// --audit-schema (and THREADLINE_AUDIT_SCHEMA) chooses the schema every command works in; the role options name the
/// install's roles. Checked through commands that need no database: schema script and capture enable --script.
/// </summary>
public sealed class CliAuditSchemaOptionTests
{
    private static readonly Dictionary<string, string> NoVariables = [];

    [Fact]
    public async Task Without_the_option_or_the_variable_the_audit_schema_is_threadline()
    {
        var result = await RunAsync(NoVariables, "schema", "script");

        Assert.Equal(0, result.Code);
        Assert.Contains("CREATE SCHEMA IF NOT EXISTS \"threadline\" AUTHORIZATION \"threadline_owner\";", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_variable_chooses_the_schema_and_the_option_overrides_it()
    {
        var variables = new Dictionary<string, string> { ["THREADLINE_AUDIT_SCHEMA"] = "audit_env" };

        var fromVariable = await RunAsync(variables, "schema", "script");
        var fromOption = await RunAsync(variables, "schema", "script", "--audit-schema", "audit_opt");
        var beforeTheCommand = await RunAsync(NoVariables, "--audit-schema", "audit_first", "schema", "script");
        var emptyVariable = await RunAsync(new Dictionary<string, string> { ["THREADLINE_AUDIT_SCHEMA"] = "" }, "schema", "script");

        Assert.Equal((0, 0, 0, 0), (fromVariable.Code, fromOption.Code, beforeTheCommand.Code, emptyVariable.Code));
        Assert.Contains("CREATE SCHEMA IF NOT EXISTS \"audit_env\"", fromVariable.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("\"threadline\".", fromVariable.Out, StringComparison.Ordinal);
        Assert.Contains("CREATE SCHEMA IF NOT EXISTS \"audit_opt\"", fromOption.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("audit_env", fromOption.Out, StringComparison.Ordinal);
        Assert.Contains("CREATE SCHEMA IF NOT EXISTS \"audit_first\"", beforeTheCommand.Out, StringComparison.Ordinal);
        Assert.Contains("CREATE SCHEMA IF NOT EXISTS \"threadline\"", emptyVariable.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_role_options_name_the_roles_the_script_creates_and_grants_to()
    {
        var result = await RunAsync(
            NoVariables,
            "schema", "script", "--audit-schema", "audit_x",
            "--audit-owner-role", "ax_owner", "--audit-reader-role", "ax_reader", "--audit-retention-role", "ax_retention", "--audit-writer-role", "ax_writer");

        Assert.Equal(0, result.Code);
        Assert.Contains("CREATE SCHEMA IF NOT EXISTS \"audit_x\" AUTHORIZATION \"ax_owner\";", result.Out, StringComparison.Ordinal);
        Assert.Contains("GRANT USAGE ON SCHEMA \"audit_x\" TO \"ax_reader\", \"ax_retention\", \"ax_writer\";", result.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("threadline_owner", result.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("\"threadline\".", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_capture_script_without_a_connection_uses_the_audit_schema_and_owner_role()
    {
        var result = await RunAsync(NoVariables, "capture", "enable", "--table", "orders", "--key", "id", "--script", "--audit-schema", "audit_x", "--audit-owner-role", "ax_owner");

        Assert.Equal(0, result.Code);
        Assert.Contains("\"audit_x\".", result.Out, StringComparison.Ordinal);
        Assert.Contains("OWNER TO \"ax_owner\"", result.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("\"threadline\".", result.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("threadline_owner", result.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "the name is empty")]
    [InlineData(" audit", "white space")]
    [InlineData("pg_audit", "reserved by PostgreSQL")]
    [InlineData("public", "dedicated schema")]
    [InlineData("audit\u0001x", "control character")]
    [InlineData("a_name_of_sixty_four_bytes_that_postgresql_would_cut_to_63_bytes", "longer than 63 bytes")]
    public async Task An_invalid_audit_schema_is_a_usage_error_naming_the_option(string schema, string reason)
    {
        var result = await RunAsync(NoVariables, "schema", "script", "--audit-schema", schema);
        var json = await RunAsync(NoVariables, "schema", "script", "--audit-schema", schema, "--json");

        Assert.Equal(2, result.Code);
        Assert.Equal("", result.Out);
        Assert.Contains($"Invalid value '{schema}' for --audit-schema", result.Err, StringComparison.Ordinal);
        Assert.Contains(reason, result.Err, StringComparison.Ordinal);
        Assert.Equal(2, json.Code);
        Assert.Contains("\"exitCode\": 2", json.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_invalid_variable_is_a_usage_error_naming_the_variable()
    {
        var result = await RunAsync(new Dictionary<string, string> { ["THREADLINE_AUDIT_SCHEMA"] = "pg_audit" }, "schema", "script");

        Assert.Equal(2, result.Code);
        Assert.Equal("", result.Out);
        Assert.Contains("Invalid value 'pg_audit' in THREADLINE_AUDIT_SCHEMA", result.Err, StringComparison.Ordinal);
        Assert.Contains("--audit-schema overrides it", result.Err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--audit-owner-role")]
    [InlineData("--audit-reader-role")]
    [InlineData("--audit-retention-role")]
    [InlineData("--audit-writer-role")]
    public async Task An_invalid_role_name_is_a_usage_error_naming_the_option(string option)
    {
        var result = await RunAsync(NoVariables, "schema", "script", option, "pg_role");

        Assert.Equal(2, result.Code);
        Assert.Contains($"Invalid value 'pg_role' for {option}", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_command_takes_the_audit_schema_option()
    {
        var commands = CliApplication.RunnableCommands();

        Assert.True(commands.Count >= 17, $"only {commands.Count} commands found");
        Assert.All(commands, path => Assert.DoesNotContain(CliApplication.ParseErrors([.. path, "--audit-schema", "audit_x"]), e => e.Contains("audit-schema", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Help_shows_the_option_and_the_variable()
    {
        var result = await RunAsync(NoVariables, "export", "--help");

        Assert.Equal(0, result.Code);
        Assert.Contains("--audit-schema <name>", result.Out, StringComparison.Ordinal);
        Assert.Contains("THREADLINE_AUDIT_SCHEMA", result.Out, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Out, string Err)> RunAsync(IReadOnlyDictionary<string, string> variables, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var environment = new CliEnvironment(name => variables.GetValueOrDefault(name), () => new TextWriterStream(output));
        var code = await Cli.Program.RunAsync(args, output, error, environment);
        return (code, output.ToString(), error.ToString());
    }
}
