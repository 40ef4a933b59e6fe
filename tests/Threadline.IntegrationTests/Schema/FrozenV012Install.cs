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

    /// <summary>
    /// The capture of <c>public.orders (id bigint PRIMARY KEY, status text, card text)</c>, card masked and an actor
    /// required, as the version 12 library generated it (v012-capture-orders.sql, frozen).
    /// </summary>
    public static string CaptureOrdersSql { get; } = Repository.Read("tests/Threadline.IntegrationTests/Schema/v012-capture-orders.sql");

    /// <summary>Applies the frozen install (its own BEGIN/COMMIT) to an empty database.</summary>
    public static Task ApplyAsync(TemporaryDatabase database) => database.ExecuteAsync(Sql);
}
