using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;
using Threadline.EntityFrameworkCore;

namespace Threadline.Samples.MinimalApi.Migrations;

/// <summary>The notes table, captured from the start; a write without an actor is refused.</summary>
[DbContext(typeof(NotesDb))]
[Migration("20261208000002_CreateNotes")]
public sealed class CreateNotes : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.EnsureSchema(NotesDb.Schema);
        migrationBuilder.CreateTable(
            name: "notes",
            schema: NotesDb.Schema,
            columns: table => new
            {
                id = table.Column<long>(type: "bigint", nullable: false)
                    .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                text = table.Column<string>(type: "text", nullable: false),
            },
            constraints: table => table.PrimaryKey("PK_notes", x => x.id));
        migrationBuilder.EnableThreadlineCapture(TargetModel!.FindEntityType(typeof(Note))!, options => options with { RequireActor = true });
        // The app logs in as a role that is a member of notes_writer (GRANT notes_writer TO <app login>): least privilege.
        migrationBuilder.Sql($"""
            DO $$ BEGIN
              IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{NotesDb.WriterRole}') THEN CREATE ROLE {NotesDb.WriterRole} NOLOGIN; END IF;
            END $$;
            GRANT USAGE ON SCHEMA {NotesDb.Schema} TO {NotesDb.WriterRole};
            GRANT SELECT, INSERT, UPDATE, DELETE ON {NotesDb.Schema}.notes TO {NotesDb.WriterRole};
            """);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DisableThreadlineCapture("notes", NotesDb.Schema);
        migrationBuilder.DropTable(name: "notes", schema: NotesDb.Schema);
    }

    protected override void BuildTargetModel(ModelBuilder modelBuilder) => NotesDb.Configure(modelBuilder);
}
