using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Threadline.EntityFrameworkCore;

namespace Threadline.IntegrationTests.Migrations;

/// <summary>The ledger's first migration: the audit schema, before any table that enables capture.</summary>
[DbContext(typeof(LedgerContext))]
[Migration("20261207000001_InstallAuditSchema")]
public sealed class InstallAuditSchema : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) => migrationBuilder.InstallThreadline();

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        // The audit schema keeps the history: nothing to undo.
    }

    protected override void BuildTargetModel(ModelBuilder modelBuilder)
    {
    }
}
