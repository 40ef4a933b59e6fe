using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Threadline.EntityFrameworkCore;

namespace Threadline.Samples.MinimalApi.Migrations;

/// <summary>The first migration: the audit schema, so <c>dotnet ef database update</c> works on an empty database.</summary>
[DbContext(typeof(NotesDb))]
[Migration("20261208000001_InstallThreadline")]
public sealed class InstallThreadline : Migration
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
