using Threadline.Capture;
using Threadline.Schema;

namespace Threadline.UnitTests;

public sealed class CaptureSqlGeneratorTests
{
    private static readonly TableDefinition Users = new("public", "users", ["id", "email", "password", "prefs"], ["id"]);

    [Theory]
    [InlineData(false, false, false)]
    [InlineData(true, false, true)]
    [InlineData(true, true, false)]
    [InlineData(false, true, false)]
    public void Only_a_strict_table_that_does_not_allow_anonymous_writes_checks_for_the_anonymous_actor(bool requireActor, bool allowAnonymous, bool checks)
    {
        var options = new TableCaptureOptions("users") { RequireActor = requireActor, AllowAnonymous = allowAnonymous };

        var sql = CaptureSqlGenerator.EnableSql(Users, options, ThreadlineSchemaOptions.Default);

        // The refusal (TL003, raised by threadline.refuse) is decided in the generated function before the statement's first row.
        Assert.Equal(checks, sql.Contains(".refusal := 'anonymous';", StringComparison.Ordinal));
        // Stored with the table's options, whatever it is.
        Assert.Contains($"\"allow_anonymous\":{(allowAnonymous ? "true" : "false")}", sql, StringComparison.Ordinal);
    }

    [Fact]
    public void Table_without_primary_key_is_refused_unless_a_key_is_named()
    {
        var keyless = Users with { PrimaryKey = [] };

        var error = Assert.Throws<CaptureException>(() => CaptureSqlGenerator.Validate(keyless, new TableCaptureOptions("users"), ThreadlineSchemaOptions.Default));

        Assert.Contains("has no primary key", error.Message, StringComparison.Ordinal);
        Assert.Equal(["email"], CaptureSqlGenerator.Validate(keyless, new TableCaptureOptions("users") { KeyColumns = ["email"] }, ThreadlineSchemaOptions.Default));
    }

    [Theory]
    [InlineData(new[] { "email" }, new[] { "email" }, "both excluded and masked")]
    [InlineData(new[] { "nope" }, new string[0], "Unknown excluded column nope")]
    [InlineData(new string[0], new[] { "id" }, "cannot be excluded or masked")]
    public void Redaction_options_are_validated(string[] exclude, string[] mask, string message)
    {
        var error = Assert.Throws<CaptureException>(() =>
            CaptureSqlGenerator.Validate(Users, new TableCaptureOptions("users") { Exclude = exclude, Mask = mask }, ThreadlineSchemaOptions.Default));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("bad\u0001placeholder")]
    public void Bad_mask_placeholder_is_refused(string placeholder)
    {
        var options = new TableCaptureOptions("users") { Mask = ["email"], MaskPlaceholder = placeholder };

        Assert.Contains("placeholder", Assert.Throws<CaptureException>(() => CaptureSqlGenerator.Validate(Users, options, ThreadlineSchemaOptions.Default)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Audit_tables_can_never_be_audited()
    {
        var auditTable = new TableDefinition("threadline", "changes", ["id"], ["id"]);

        Assert.Contains("can never be audited", Assert.Throws<CaptureException>(() =>
            CaptureSqlGenerator.Validate(auditTable, new TableCaptureOptions("changes", "threadline"), ThreadlineSchemaOptions.Default)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Generated_sql_quotes_identifiers_and_escapes_literals()
    {
        var odd = new TableDefinition("Sales Data", "Order\"Lines", ["id", "it's"], ["id"]);

        var sql = CaptureSqlGenerator.EnableSql(odd, new TableCaptureOptions("Order\"Lines", "Sales Data") { Mask = ["it's"] }, ThreadlineSchemaOptions.Default);

        Assert.Contains("\"Sales Data\".\"Order\"\"Lines\"", sql, StringComparison.Ordinal);
        Assert.Contains("'it''s'", sql, StringComparison.Ordinal);
        Assert.Contains("FOR EACH STATEMENT", sql, StringComparison.Ordinal);
        Assert.Contains("AFTER TRUNCATE", sql, StringComparison.Ordinal);
    }

    [Fact]
    public void Function_names_fit_postgres_limits_and_differ_per_table()
    {
        var longName = CaptureSqlGenerator.FunctionName("public", new string('t', 60));

        Assert.True(longName.Length <= SqlIdentifier.MaxBytes);
        Assert.NotEqual(CaptureSqlGenerator.FunctionName("a", "b_c"), CaptureSqlGenerator.FunctionName("a_b", "c"));
    }

    [Fact]
    public void An_offline_script_needs_named_keys_and_guards_every_named_column()
    {
        var options = new TableCaptureOptions("users") { KeyColumns = ["id"], Mask = ["email"], Exclude = ["password"] };

        var script = CaptureSqlGenerator.EnableScript(options, ThreadlineSchemaOptions.Default);

        Assert.StartsWith("DO $guard$", script, StringComparison.Ordinal);
        Assert.Contains("ARRAY['id', 'password', 'email']::text[]", script, StringComparison.Ordinal);
        Assert.Contains("INSERT INTO \"threadline\".\"captured_tables\" AS ct", script, StringComparison.Ordinal);
        Assert.Contains("Name the key columns of public.users", Assert.Throws<CaptureException>(() =>
            CaptureSqlGenerator.EnableScript(options with { KeyColumns = null }, ThreadlineSchemaOptions.Default)).Message, StringComparison.Ordinal);
    }
}
