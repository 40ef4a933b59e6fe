using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;
using Threadline.EntityFrameworkCore;
using Threadline.Schema;

namespace Threadline.Platform.Posts.Migrations;

/// <summary>
/// The platform's tables as the DDL setup created them before migrations (same names, types, defaults, CHECK, the
/// partial index), the application role's grants, and capture of posts from the moment the table exists. Needs the
/// Threadline schema and the login roles first (PlatformDatabase installs both before migrating). A database set up
/// before migrations gets this migration recorded instead of run (<see cref="MigrationBaseline"/>).
/// </summary>
public partial class InitialPlatformSchema : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.EnsureSchema(name: "public");

        migrationBuilder.CreateTable(
            name: "outbox_messages",
            schema: "public",
            columns: table => new
            {
                id = table.Column<long>(type: "bigint", nullable: false)
                    .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                message_id = table.Column<Guid>(type: "uuid", nullable: false),
                message_type = table.Column<string>(type: "text", nullable: false),
                payload = table.Column<string>(type: "jsonb", nullable: false),
                audit_context = table.Column<string>(type: "jsonb", nullable: true),
                trace_parent = table.Column<string>(type: "text", nullable: true),
                trace_state = table.Column<string>(type: "text", nullable: true),
                created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()"),
                dispatched_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("outbox_messages_pkey", x => x.id);
                table.UniqueConstraint("outbox_messages_message_id_key", x => x.message_id);
            });

        migrationBuilder.CreateTable(
            name: "posts",
            schema: "public",
            columns: table => new
            {
                id = table.Column<long>(type: "bigint", nullable: false)
                    .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                title = table.Column<string>(type: "text", nullable: false),
                body = table.Column<string>(type: "text", nullable: false, defaultValue: ""),
                word_count = table.Column<int>(type: "integer", nullable: true),
                indexed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()"),
            },
            constraints: table =>
            {
                table.PrimaryKey("posts_pkey", x => x.id);
                table.CheckConstraint("posts_title_check", "length(title) BETWEEN 1 AND 200");
            });

        migrationBuilder.CreateTable(
            name: "processed_messages",
            schema: "public",
            columns: table => new
            {
                message_id = table.Column<Guid>(type: "uuid", nullable: false),
                consumer = table.Column<string>(type: "text", nullable: false),
                processed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()"),
            },
            constraints: table => table.PrimaryKey("processed_messages_pkey", x => x.message_id));

        migrationBuilder.CreateIndex(
            name: "outbox_messages_pending_idx",
            schema: "public",
            table: "outbox_messages",
            column: "id",
            filter: "dispatched_at IS NULL");

        // Least privilege: the application role gets exactly what posts-api and job-worker do with each table.
        var app = SqlIdentifier.Quote(PlatformRoles.AppUser);
        migrationBuilder.Sql($"""
            GRANT SELECT, INSERT, UPDATE, DELETE ON public.posts TO {app};
            GRANT SELECT, INSERT, UPDATE ON public.outbox_messages TO {app};
            GRANT SELECT, INSERT ON public.processed_messages TO {app};
            """);

        // In the same transaction as CREATE TABLE: no write to posts can ever go unrecorded. Key columns come from this
        // migration's target model; the schema manager's configuration (Threadline:Capture:Tables) lists posts with
        // the same options and may adjust them later.
        migrationBuilder.EnableThreadlineCapture(
            TargetModel!.FindEntityType(typeof(Post))!,
            options => options with { RequireActor = true });
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        // Capture off first; the audit history of posts stays.
        migrationBuilder.DisableThreadlineCapture("posts", "public");

        migrationBuilder.DropTable(name: "outbox_messages", schema: "public");

        migrationBuilder.DropTable(name: "posts", schema: "public");

        migrationBuilder.DropTable(name: "processed_messages", schema: "public");
    }
}
