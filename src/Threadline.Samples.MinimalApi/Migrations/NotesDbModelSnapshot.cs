using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace Threadline.Samples.MinimalApi.Migrations;

/// <summary>The model as of the last migration, so the app can tell that no migration is missing.</summary>
[DbContext(typeof(NotesDb))]
public sealed class NotesDbModelSnapshot : ModelSnapshot
{
    protected override void BuildModel(ModelBuilder modelBuilder) => NotesDb.Configure(modelBuilder);
}
