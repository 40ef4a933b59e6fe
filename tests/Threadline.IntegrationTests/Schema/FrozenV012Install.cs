using Threadline.IntegrationTests.Infrastructure;
using Threadline.UnitTests.DocsTests;

namespace Threadline.IntegrationTests.Schema;

/// <summary>
/// An install of schema version 12 as the old version scripts V001-V012 made it (v012-install.sql, frozen): "an existing
/// install of the previous layout" for the upgrade tests, for the default schema and roles.
/// </summary>
public static class FrozenV012Install
{
    public const string RelativePath = "tests/Threadline.IntegrationTests/Schema/v012-install.sql";

    public static string Sql { get; } = Repository.Read(RelativePath);

    /// <summary>Applies the frozen install (its own BEGIN/COMMIT) to an empty database.</summary>
    public static Task ApplyAsync(TemporaryDatabase database) => database.ExecuteAsync(Sql);
}
