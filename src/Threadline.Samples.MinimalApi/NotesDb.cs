using Microsoft.EntityFrameworkCore;

namespace Threadline.Samples.MinimalApi;

/// <summary>The app's database: table <c>notes.notes</c>, with its migration history in the same schema.</summary>
public sealed class NotesDb(DbContextOptions<NotesDb> options) : DbContext(options)
{
    public const string Schema = "notes";

    /// <summary>The NOLOGIN role the migrations grant the table to; grant it to the app's login role.</summary>
    public const string WriterRole = "notes_writer";

    public DbSet<Note> Notes => Set<Note>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) => Configure(modelBuilder);

    // Shared with the migrations' target model and the snapshot, as generated designer files would be.
    internal static void Configure(ModelBuilder modelBuilder) =>
        modelBuilder.Entity<Note>(note =>
        {
            note.ToTable("notes", Schema);
            note.HasKey(n => n.Id);
            // Column types and requiredness spelled out: a snapshot's model builder has no provider type mapping and no
            // nullable-reference-type convention.
            note.Property(n => n.Id).HasColumnName("id").HasColumnType("bigint").UseIdentityAlwaysColumn();
            note.Property(n => n.Text).HasColumnName("text").HasColumnType("text").IsRequired();
        });
}
