using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

namespace Threadline.Samples.MinimalApi.Migrations;

/// <summary>The model as of the last migration, so the app can tell that no migration is missing.</summary>
[DbContext(typeof(NotesDb))]
public sealed class NotesDbModelSnapshot : ModelSnapshot
{
    protected override void BuildModel(ModelBuilder modelBuilder)
    {
        // What the provider's conventions add to the live model, as a generated snapshot records them.
        modelBuilder.HasAnnotation("Relational:MaxIdentifierLength", 63);
        modelBuilder.HasAnnotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn);
        NotesDb.Configure(modelBuilder);
    }
}
