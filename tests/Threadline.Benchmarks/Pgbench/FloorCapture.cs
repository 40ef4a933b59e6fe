using Npgsql;

namespace Threadline.Benchmarks.Pgbench;

/// <summary>
/// The physical floor of trigger-based capture: per changed row one jsonb row of the same size as an audit change,
/// into a table without indexes, and no transaction row. No design that writes a row per change can be much cheaper.
/// </summary>
public static class FloorCapture
{
    public const string Table = "audit_floor";

    private const string InstallSql = $"""
        CREATE TABLE {Table} (payload jsonb);
        CREATE FUNCTION audit_floor_capture() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
            INSERT INTO {Table} (payload) SELECT to_jsonb(n) FROM new_rows n;
            RETURN NULL;
        END $fn$;
        CREATE TRIGGER audit_floor_insert AFTER INSERT ON items
            REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION audit_floor_capture();
        CREATE TRIGGER audit_floor_update AFTER UPDATE ON items
            REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION audit_floor_capture();
        """;

    public static async Task InstallAsync(NpgsqlConnection connection, CancellationToken cancellationToken) =>
        await Sql.ExecuteAsync(connection, InstallSql, cancellationToken);
}
