using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Threadline.EntityFrameworkCore;

namespace Threadline.IntegrationTests.Migrations;

/// <summary>An EF Core model whose migration enables capture, as a team using EF migrations would write it.</summary>
public sealed class Invoice
{
    public Guid TenantId { get; set; }

    public int Number { get; set; }

    public string Customer { get; set; } = "";

    public string CardNumber { get; set; } = "";

    public decimal Amount { get; set; }
}

public sealed class InvoicingContext(DbContextOptions<InvoicingContext> options) : DbContext(options)
{
    public DbSet<Invoice> Invoices => Set<Invoice>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) => Configure(modelBuilder);

    // Shared with the migration's target model, as the generated designer file would be. Column names keep their
    // CLR casing on purpose: capture must quote them.
    internal static void Configure(ModelBuilder modelBuilder) =>
        modelBuilder.Entity<Invoice>(invoice =>
        {
            invoice.ToTable("invoices", "billing");
            invoice.HasKey(i => new { i.TenantId, i.Number });
            invoice.Property(i => i.Amount).HasPrecision(12, 2);
        });
}

[DbContext(typeof(InvoicingContext))]
[Migration("20261127000001_CreateInvoices")]
public sealed class CreateInvoices : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.EnsureSchema("billing");
        migrationBuilder.CreateTable(
            name: "invoices",
            schema: "billing",
            columns: table => new
            {
                TenantId = table.Column<Guid>(type: "uuid", nullable: false),
                Number = table.Column<int>(type: "integer", nullable: false),
                Customer = table.Column<string>(type: "text", nullable: false),
                CardNumber = table.Column<string>(type: "text", nullable: false),
                Amount = table.Column<decimal>(type: "numeric(12,2)", nullable: false),
            },
            constraints: table => table.PrimaryKey("PK_invoices", x => new { x.TenantId, x.Number }));
        migrationBuilder.EnableThreadlineCapture(
            TargetModel!.FindEntityType(typeof(Invoice))!,
            options => options with { Mask = ["CardNumber"], RequireActor = true });
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DisableThreadlineCapture("invoices", "billing");
        migrationBuilder.DropTable(name: "invoices", schema: "billing");
    }

    protected override void BuildTargetModel(ModelBuilder modelBuilder) => InvoicingContext.Configure(modelBuilder);
}
