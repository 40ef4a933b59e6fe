using Microsoft.EntityFrameworkCore;

namespace Threadline.IntegrationTests.Migrations;

/// <summary>
/// A model whose migration history starts with <c>InstallThreadline()</c>, so <c>dotnet ef database update</c> on an
/// empty database needs no separate schema install.
/// </summary>
public sealed class LedgerContext(DbContextOptions<LedgerContext> options) : DbContext(options)
{
    public DbSet<LedgerEntry> Entries => Set<LedgerEntry>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) => Configure(modelBuilder);

    // Shared with the migrations' target model, as the generated designer files would be.
    internal static void Configure(ModelBuilder modelBuilder) =>
        modelBuilder.Entity<LedgerEntry>(entry =>
        {
            entry.ToTable("entries", "ledger");
            entry.HasKey(e => e.Id);
            entry.Property(e => e.Id).HasColumnName("id").UseIdentityAlwaysColumn();
            entry.Property(e => e.Memo).HasColumnName("memo");
        });
}
