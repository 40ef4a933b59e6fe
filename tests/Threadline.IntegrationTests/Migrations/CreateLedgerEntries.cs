using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Threadline.EntityFrameworkCore;

namespace Threadline.IntegrationTests.Migrations;

/// <summary>The ledger's second migration: its table, captured from the start, with an actor required.</summary>
[DbContext(typeof(LedgerContext))]
[Migration("20261207000002_CreateLedgerEntries")]
public sealed class CreateLedgerEntries : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.EnsureSchema("ledger");
        migrationBuilder.CreateTable(
            name: "entries",
            schema: "ledger",
            columns: table => new
            {
                id = table.Column<long>(type: "bigint", nullable: false)
                    .Annotation("Npgsql:ValueGenerationStrategy", global::Npgsql.EntityFrameworkCore.PostgreSQL.Metadata.NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                memo = table.Column<string>(type: "text", nullable: false),
            },
            constraints: table => table.PrimaryKey("PK_entries", x => x.id));
        migrationBuilder.EnableThreadlineCapture(TargetModel!.FindEntityType(typeof(LedgerEntry))!, options => options with { RequireActor = true });
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DisableThreadlineCapture("entries", "ledger");
        migrationBuilder.DropTable(name: "entries", schema: "ledger");
    }

    protected override void BuildTargetModel(ModelBuilder modelBuilder) => LedgerContext.Configure(modelBuilder);
}
