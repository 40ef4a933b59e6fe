using System.Text.RegularExpressions;
using Threadline.Schema;

namespace Threadline.UnitTests;

public sealed partial class AuditSchemaNamesTests
{
    private static readonly ThreadlineSchemaOptions Other = new() { Schema = "Audit \"X's\"", OwnerRole = "ax_owner", ReaderRole = "ax_reader", RetentionRole = "ax_retention", WriterRole = "ax_writer" };

    /// <summary>The placeholders a caller fills in after rendering (the partition swap's indexes, the purge predicate).</summary>
    private static readonly string[] CallerPlaceholders = ["{{indexes}}", "{{change_expired}}", "{{heads}}"];

    [Fact]
    public void Names_are_quoted_and_qualified_with_the_configured_schema()
    {
        var names = AuditSchemaNames.For(Other);

        Assert.Equal("\"Audit \"\"X's\"\"\"", names.Schema);
        Assert.Equal("\"Audit \"\"X's\"\"\".\"changes\"", names.Changes);
        Assert.Equal("\"Audit \"\"X's\"\"\".\"captured_tables\"", names.CapturedTables);
        Assert.Equal("CALL \"Audit \"\"X's\"\"\".\"set_context\"($1)", names.CallSetContextSql);
        Assert.StartsWith("SELECT \"Audit \"\"X's\"\"\".\"record_action\"(@threadline_action_name,", names.RecordActionSql, StringComparison.Ordinal);
        Assert.Equal("\"threadline\".\"transactions\"", AuditSchemaNames.Default.Transactions);
    }

    [Fact]
    public void Names_are_resolved_once_per_options_object()
    {
        Assert.Same(AuditSchemaNames.Default, AuditSchemaNames.For(null));
        Assert.Same(AuditSchemaNames.Default, AuditSchemaNames.For(ThreadlineSchemaOptions.Default));
        Assert.Same(AuditSchemaNames.For(Other), AuditSchemaNames.For(Other));
        Assert.NotSame(AuditSchemaNames.For(Other), AuditSchemaNames.For(Other with { Schema = "audit_y" }));
        Assert.Equal("\"audit_y\".\"changes\"", AuditSchemaNames.For(Other with { Schema = "audit_y" }).Changes);
    }

    [Fact]
    public void A_schema_name_PostgreSQL_would_truncate_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => AuditSchemaNames.For(new ThreadlineSchemaOptions { Schema = new string('a', 64) }));

        Assert.Contains("longer than 63 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_statement_renders_for_the_configured_schema_and_roles_only()
    {
        var names = AuditSchemaNames.For(Other);
        Assert.NotEmpty(SqlStatements.Names);
        foreach (var statement in SqlStatements.Names)
        {
            var sql = names.Statement(statement);

            var left = Placeholder().Matches(sql).Select(m => m.Value).Except(CallerPlaceholders).ToArray();
            Assert.True(left.Length == 0, $"{statement}.sql keeps unknown placeholders: {string.Join(", ", left)}");
            Assert.DoesNotContain("threadline.", sql, StringComparison.Ordinal);
            // Roles come from the options; the capture triggers' name prefix is fixed.
            Assert.DoesNotContain("threadline_", sql.Replace("threadline\\_capture\\_", "", StringComparison.Ordinal), StringComparison.Ordinal);
            Assert.Equal(SqlStatements.Template(statement).Contains("{{schema}}", StringComparison.Ordinal), sql.Contains(names.Schema + ".", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void The_bare_schema_name_is_escaped_inside_literals()
    {
        var names = AuditSchemaNames.For(Other);

        Assert.Contains("pn.nspname = 'Audit \"X''s\"'", names.Statement("coverage_triggers"), StringComparison.Ordinal);
        Assert.Contains("format('%I.changes', 'Audit \"X''s\"')", names.Statement("partitions_droppable"), StringComparison.Ordinal);
    }

    [Fact]
    public void Placeholders_stay_out_of_comments()
    {
        // A multi-line value put into a comment line would run its later lines as SQL.
        foreach (var statement in SqlStatements.Names)
        {
            var commented = SqlStatements.Template(statement).Split('\n').Where(l => l.Contains("--", StringComparison.Ordinal) && l[l.IndexOf("--", StringComparison.Ordinal)..].Contains("{{", StringComparison.Ordinal));
            Assert.True(!commented.Any(), $"{statement}.sql has a placeholder in a comment: {string.Join(" | ", commented)}");
        }
    }

    [Fact]
    public void Partition_swap_re_issues_the_grants_to_the_configured_roles()
    {
        var sql = AuditSchemaNames.For(Other).Statement("partition_changes");

        Assert.Contains("GRANT SELECT ON \"Audit \"\"X's\"\"\".changes TO \"ax_reader\";", sql, StringComparison.Ordinal);
        Assert.Contains("GRANT SELECT, DELETE ON \"Audit \"\"X's\"\"\".changes TO \"ax_retention\";", sql, StringComparison.Ordinal);
        Assert.Contains("OWNER TO \"ax_owner\";", sql, StringComparison.Ordinal);
    }

    [Fact]
    public void Statements_are_not_taken_for_migrations()
    {
        // The baseline first, then one script per later version.
        Assert.Equal(Enumerable.Range(SchemaInstaller.BaselineVersion, SchemaInstaller.LatestVersion - SchemaInstaller.BaselineVersion + 1), SchemaInstaller.Migrations.Select(m => m.Version));
        Assert.Equal("baseline", SchemaInstaller.Migrations[0].Name);
        Assert.DoesNotContain(SchemaInstaller.Migrations, m => SqlStatements.Names.Any(n => m.Sql == SqlStatements.Template(n)));
        Assert.DoesNotContain(SchemaInstaller.Functions, f => SqlStatements.Names.Contains(f.Name));
    }

    [Fact]
    public void An_unknown_statement_is_named_in_the_error()
    {
        var error = Assert.Throws<ArgumentException>(() => AuditSchemaNames.Default.Statement("no_such_statement"));

        Assert.Contains("Sql/Statements/no_such_statement.sql", error.Message, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"\{\{\w+\}\}")]
    private static partial Regex Placeholder();
}
