using Npgsql;

namespace Threadline.Benchmarks.Pgbench;

/// <summary>
/// The floor of a keyed, append-only trigger design (issue 24): the least any capture can do that finds a row's
/// history by index, gives every change a unique id in write order and keeps audit rows out of the writer's reach.
/// Per changed row one row with a sequence id (primary key), a table id, the row key (B-tree with the id, for row
/// history) and the whole row image (an update also the whole before image, zipped as the current capture does);
/// the audit context's raw text copied onto every row, not parsed, not checked, no transaction grouping; written by a
/// <c>SECURITY DEFINER</c> function with a pinned search_path (what append-only for the application role needs).
/// Everything Threadline does beyond this (the context parsed and checked once per transaction, the head, the
/// investigation indexes, the update diff, redaction) is measured against it.
/// </summary>
public static class KeyedFloorCapture
{
    /// <summary>The rows that carry the pgbench context's actor (the context is copied as text, not parsed).</summary>
    public const string AttributedRowsSql = "SELECT count(*) FROM threadline.changes WHERE context LIKE '%\"id\":\"42\"%'";

    private const string InstallSql = """
        CREATE SCHEMA threadline;
        CREATE SEQUENCE threadline.change_id AS bigint;
        CREATE TABLE threadline.changes (
            id bigint NOT NULL, captured_at timestamptz NOT NULL, table_id integer NOT NULL, op "char" NOT NULL,
            row_key text COLLATE "C", data_after jsonb, data_before jsonb, context text);
        ALTER TABLE threadline.changes ADD CONSTRAINT changes_pkey PRIMARY KEY (id);
        CREATE INDEX changes_row_idx ON threadline.changes (table_id, row_key, id);
        CREATE FUNCTION threadline.capture_items() RETURNS trigger LANGUAGE plpgsql
        SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
        BEGIN
            IF TG_OP = 'INSERT' THEN
                INSERT INTO threadline.changes (id, captured_at, table_id, op, row_key, data_after, context)
                SELECT nextval('threadline.change_id'), clock_timestamp(), 1, 'i', r.id::text, to_jsonb(r),
                       current_setting('threadline.context', true)
                  FROM new_rows r;
            ELSE
                INSERT INTO threadline.changes (id, captured_at, table_id, op, row_key, data_after, data_before, context)
                SELECT nextval('threadline.change_id'), clock_timestamp(), 1, 'u', z.n ->> 'id', z.n, z.o,
                       current_setting('threadline.context', true)
                  FROM unnest((SELECT array_agg(to_jsonb(o)) FROM old_rows o), (SELECT array_agg(to_jsonb(n)) FROM new_rows n)) AS z(o, n);
            END IF;
            RETURN NULL;
        END $fn$;
        CREATE TRIGGER keyed_floor_insert AFTER INSERT ON items
            REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION threadline.capture_items();
        CREATE TRIGGER keyed_floor_update AFTER UPDATE ON items
            REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION threadline.capture_items();
        """;

    public static async Task InstallAsync(NpgsqlConnection connection, CancellationToken cancellationToken) =>
        await Sql.ExecuteAsync(connection, InstallSql, cancellationToken);
}
