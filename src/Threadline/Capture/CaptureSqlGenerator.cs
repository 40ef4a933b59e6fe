using System.Security.Cryptography;
using System.Text;
using Threadline.Schema;

namespace Threadline.Capture;

/// <summary>A table as the catalog describes it: its columns and primary key.</summary>
/// <param name="Schema">The table's schema.</param>
/// <param name="Table">The table's name.</param>
/// <param name="Columns">Its live columns, in column order.</param>
/// <param name="PrimaryKey">Its primary key columns, in key order; empty without a primary key.</param>
public sealed record TableDefinition(string Schema, string Table, IReadOnlyList<string> Columns, IReadOnlyList<string> PrimaryKey);

/// <summary>
/// Generates the capture DDL of one table: a table-specific trigger function and statement-level triggers with
/// transition tables, so a statement touching 10,000 rows costs one set-based insert, not 10,000 function calls.
/// </summary>
public static class CaptureSqlGenerator
{
    /// <summary>The name of the statement-level AFTER INSERT trigger on every captured table.</summary>
    public const string InsertTrigger = "threadline_capture_insert";
    /// <summary>The name of the statement-level AFTER UPDATE trigger on every captured table.</summary>
    public const string UpdateTrigger = "threadline_capture_update";
    /// <summary>The name of the statement-level AFTER DELETE trigger on every captured table.</summary>
    public const string DeleteTrigger = "threadline_capture_delete";
    /// <summary>The name of the statement-level AFTER TRUNCATE trigger on every captured table.</summary>
    public const string TruncateTrigger = "threadline_capture_truncate";

    // Whole-row references use aliases no real column is likely to have: a column named like the alias would win.
    private const string NewAlias = "threadline_new_row";
    private const string OldAlias = "threadline_old_row";

    /// <summary>The four capture triggers a fully captured table has.</summary>
    public static IReadOnlyList<string> TriggerNames { get; } = [InsertTrigger, UpdateTrigger, DeleteTrigger, TruncateTrigger];

    /// <summary>Validates the options against the table and returns the resolved key columns.</summary>
    public static IReadOnlyList<string> Validate(TableDefinition table, TableCaptureOptions options, ThreadlineSchemaOptions schemaOptions)
    {
        var name = $"{table.Schema}.{table.Table}";
        var columns = new HashSet<string>(table.Columns, StringComparer.Ordinal);
        var keys = options.KeyColumns is { Count: > 0 } explicitKeys ? explicitKeys : table.PrimaryKey;
        if (keys.Count == 0 && !IsAuditSchema(table.Schema, schemaOptions))
        {
            throw new CaptureException(
                $"Table {name} has no primary key. Add one, or name the columns that identify a row with KeyColumns.");
        }

        ValidateOptions(options with { Schema = table.Schema, Table = table.Table }, keys, schemaOptions);
        Unknown(keys, "key column");
        Unknown(options.Exclude, "excluded column");
        Unknown(options.Mask, "masked column");
        return keys;

        void Unknown(IEnumerable<string> wanted, string what)
        {
            var missing = wanted.Where(c => !columns.Contains(c)).ToArray();
            if (missing.Length > 0)
            {
                throw new CaptureException($"Unknown {what}{(missing.Length > 1 ? "s" : "")} {string.Join(", ", missing)} in {name}; its columns are {string.Join(", ", table.Columns)}.");
            }
        }
    }

    /// <summary>The checks that need no catalog: the target, redaction overlaps, redacted keys and the placeholder.</summary>
    public static void ValidateOptions(TableCaptureOptions options, IReadOnlyList<string> keys, ThreadlineSchemaOptions schemaOptions)
    {
        ArgumentNullException.ThrowIfNull(options);
        var name = $"{options.Schema}.{options.Table}";
        if (string.IsNullOrEmpty(options.Schema) || string.IsNullOrEmpty(options.Table))
        {
            throw new CaptureException("Name the table to capture: schema and table must not be empty.");
        }

        if (IsAuditSchema(options.Schema, schemaOptions))
        {
            throw new CaptureException($"Refusing to capture {name}: audit tables can never be audited (it would record its own writes).");
        }

        if (keys.Count == 0)
        {
            throw new CaptureException($"Name the key columns of {name} (KeyColumns): without them a change cannot be tied to its row.");
        }

        var overlap = options.Exclude.Intersect(options.Mask, StringComparer.Ordinal).ToArray();
        if (overlap.Length > 0)
        {
            throw new CaptureException($"Columns {string.Join(", ", overlap)} of {name} are both excluded and masked; choose one.");
        }

        var redactedKeys = keys.Intersect(options.Exclude.Concat(options.Mask), StringComparer.Ordinal).ToArray();
        if (redactedKeys.Length > 0)
        {
            throw new CaptureException($"Key columns {string.Join(", ", redactedKeys)} of {name} cannot be excluded or masked: the key identifies the row.");
        }

        var placeholder = options.MaskPlaceholder;
        if (string.IsNullOrEmpty(placeholder) || placeholder.Length > TableCaptureOptions.MaxMaskPlaceholderLength || placeholder.Any(char.IsControl))
        {
            throw new CaptureException(
                $"The mask placeholder for {name} must be 1 to {TableCaptureOptions.MaxMaskPlaceholderLength} characters with no control characters.");
        }
    }

    private static bool IsAuditSchema(string schema, ThreadlineSchemaOptions schemaOptions) =>
        string.Equals(schema, schemaOptions.Schema, StringComparison.Ordinal);

    /// <summary>The function name for a table: readable prefix plus a hash of the exact name, always under 63 bytes.</summary>
    public static string FunctionName(string schema, string table)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(schema + "\0" + table)))[..10];
        var readable = new string((schema + "_" + table).Select(c => char.IsAsciiLetterOrDigit(c) ? char.ToLowerInvariant(c) : '_').ToArray());
        if (readable.Length > 40)
        {
            readable = readable[..40];
        }

        return $"capture_{readable}_{hash}";
    }

    /// <summary>The capture DDL and its registration, validated against the table as the catalog describes it.</summary>
    public static string EnableSql(TableDefinition table, TableCaptureOptions options, ThreadlineSchemaOptions schemaOptions)
    {
        var keys = Validate(table, options, schemaOptions);
        return Generate(table, keys, options, schemaOptions) + "\n" + RegisterSql(table, keys, options, schemaOptions);
    }

    /// <summary>
    /// The same DDL without a database to ask, for migration tools (EF Core migrations, Flyway, plain scripts): the key
    /// columns must be named, and a guard at the top re-checks the table and every named column when the script runs.
    /// </summary>
    public static string EnableScript(TableCaptureOptions options, ThreadlineSchemaOptions schemaOptions)
    {
        ArgumentNullException.ThrowIfNull(options);
        var keys = options.KeyColumns ?? [];
        ValidateOptions(options, keys, schemaOptions);
        var named = keys.Concat(options.Exclude).Concat(options.Mask).Distinct(StringComparer.Ordinal).ToArray();
        var table = new TableDefinition(options.Schema, options.Table, named, keys);
        return CatalogGuardSql(table) + "\n" + Generate(table, keys, options, schemaOptions) + "\n" + RegisterSql(table, keys, options, schemaOptions);
    }

    /// <summary>Disables capture and forgets the table's options. Its audit history stays.</summary>
    public static string DisableScript(string schema, string table, ThreadlineSchemaOptions schemaOptions) =>
        DisableSql(schema, table, schemaOptions) +
        $"\nDELETE FROM {AuditSchemaNames.For(schemaOptions).CapturedTables} WHERE table_schema = {SqlIdentifier.Literal(schema)} AND table_name = {SqlIdentifier.Literal(table)};";

    // Fails the script with the same kind of message as Validate when the table or a named column is not there.
    private static string CatalogGuardSql(TableDefinition table)
    {
        var qualified = SqlIdentifier.Literal(SqlIdentifier.Qualified(table.Schema, table.Table));
        var readable = SqlIdentifier.Literal($"{table.Schema}.{table.Table}");
        return $"""
            DO $guard$
            DECLARE
                v_missing text[];
            BEGIN
                IF to_regclass({qualified}) IS NULL THEN
                    RAISE EXCEPTION 'threadline: table % does not exist, so its capture cannot be enabled', {readable} USING ERRCODE = '42P01';
                END IF;
                SELECT array_agg(c) INTO v_missing
                  FROM unnest({SqlIdentifier.TextArray(table.Columns)}) c
                 WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_attribute a
                                    WHERE a.attrelid = to_regclass({qualified}) AND a.attname = c AND a.attnum > 0 AND NOT a.attisdropped);
                IF v_missing IS NOT NULL THEN
                    RAISE EXCEPTION 'threadline: unknown columns % in %, named in its capture options', v_missing, {readable} USING ERRCODE = '42703';
                END IF;
            END
            $guard$;
            """;
    }

    private static string RegisterSql(TableDefinition table, IReadOnlyList<string> keys, TableCaptureOptions options, ThreadlineSchemaOptions schemaOptions)
    {
        var json = StoredCaptureOptions.ToJson(options);
        var names = AuditSchemaNames.For(schemaOptions);
        var registry = names.CapturedTables;
        // Column identity, read from the catalog when the script runs (so scripts written offline carry it too): the
        // attnums of the redacted columns, which the capture function follows through renames, and every column's
        // attnum and name, against which coverage reports drift (ColumnDrift).
        var relation = SqlIdentifier.Literal(SqlIdentifier.Qualified(table.Schema, table.Table)) + "::regclass";
        string Attnums(IReadOnlyList<string> names) =>
            $"(SELECT coalesce(jsonb_agg(a.attnum::int ORDER BY a.attnum), '[]') FROM pg_catalog.pg_attribute a WHERE a.attrelid = {relation} AND a.attnum > 0 AND NOT a.attisdropped AND a.attname = ANY ({SqlIdentifier.TextArray(names)}))";
        var identity = $"""
            jsonb_build_object(
                       {SqlIdentifier.Literal(ColumnDrift.ExcludeAttnums)}, {Attnums(options.Exclude)},
                       {SqlIdentifier.Literal(ColumnDrift.MaskAttnums)}, {Attnums(options.Mask)},
                       {SqlIdentifier.Literal(ColumnDrift.Columns)}, (SELECT coalesce(jsonb_object_agg(a.attnum::text, a.attname::text), {EmptyLiteral}) FROM pg_catalog.pg_attribute a WHERE a.attrelid = {relation} AND a.attnum > 0 AND NOT a.attisdropped))
            """;
        // The table's id in the registry that outlives capture (changes name their table by it), and how its keys make row_key.
        return $"""
            INSERT INTO {names.Tables} AS tb (table_schema, table_name, key_columns)
            VALUES ({SqlIdentifier.Literal(table.Schema)}, {SqlIdentifier.Literal(table.Table)}, {SqlIdentifier.TextArray(keys)})
            ON CONFLICT (table_schema, table_name) DO UPDATE SET key_columns = EXCLUDED.key_columns
             WHERE tb.key_columns IS DISTINCT FROM EXCLUDED.key_columns;
            INSERT INTO {registry} AS ct (table_schema, table_name, function_name, key_columns, options)
            VALUES ({SqlIdentifier.Literal(table.Schema)}, {SqlIdentifier.Literal(table.Table)}, {SqlIdentifier.Literal(FunctionName(table.Schema, table.Table))}, {SqlIdentifier.TextArray(keys)}, {SqlIdentifier.Literal(json)}::jsonb || {identity})
            ON CONFLICT (table_schema, table_name) DO UPDATE
               SET function_name = EXCLUDED.function_name, key_columns = EXCLUDED.key_columns, options = EXCLUDED.options,
                   options_changed_at = CASE WHEN (ct.key_columns, ct.options) IS DISTINCT FROM (EXCLUDED.key_columns, EXCLUDED.options)
                                             THEN now() ELSE ct.options_changed_at END;
            """;
    }

    /// <summary>
    /// Records the current image of every row as a 'baseline' change in the current transaction, so point-in-time
    /// queries work from the moment capture starts. Same key and redaction as the capture function.
    /// </summary>
    internal static string BaselineSql(TableDefinition table, IReadOnlyList<string> keys, TableCaptureOptions options, ThreadlineSchemaOptions schemaOptions)
    {
        var s = AuditSchemaNames.For(schemaOptions).Schema;
        var images = new RowImages(keys, options);
        const string alias = "threadline_baseline_row";
        var rows = new ChangeRows(s, table, "false");
        return $"""
            WITH {HeadVariable} AS MATERIALIZED (SELECT h.* FROM {s}.begin_change({rows.TableLiteral}, false) h)
            INSERT INTO {s}.changes ({ChangeRows.Columns}, data_after)
            SELECT {rows.Values("'b'", "x.row_key")}, {images.Masked(images.Json("x.image"))}
              FROM (SELECT to_jsonb({alias}) AS image, {images.Key(alias)} AS row_key, {HeadVariable}.fresh AND row_number() OVER () = 1 AS head
                      FROM {SqlIdentifier.Qualified(table.Schema, table.Table)} {alias} CROSS JOIN {HeadVariable}) x
             CROSS JOIN {HeadVariable};
            """;
    }

    /// <summary>
    /// The SQL expressions for a row's key and its redacted image, shared by capture and baselines. With
    /// <paramref name="followColumns"/>, redaction uses the column lists the capture function resolves for each
    /// statement (<see cref="FollowColumnsSql"/>) instead of the names as written in the options.
    /// </summary>
    private sealed class RowImages(IReadOnlyList<string> keys, TableCaptureOptions options, bool followColumns = false)
    {
        public string Placeholder { get; } = "to_jsonb(" + SqlIdentifier.Literal(options.MaskPlaceholder) + "::text)";

        /// <summary>
        /// The row key as text from a whole-row JSON image: one column's JSON text, several columns the JSON array of
        /// their values. Readers build the same text from a JSON key filter (AuditSql.RowKeyText).
        /// </summary>
        public string KeyOf(string json) => keys.Count == 1
            ? $"({json} ->> {SqlIdentifier.Literal(keys[0])})"
            : "jsonb_build_array(" + string.Join(", ", keys.Select(k => $"{json} -> {SqlIdentifier.Literal(k)}")) + ")::text";

        /// <summary>
        /// The same text from the typed columns of a row: a key column renamed after capture was applied then fails the
        /// write loudly (the function names the old column) instead of recording changes without a key.
        /// </summary>
        public string Key(string alias) => keys.Count == 1
            ? $"(to_jsonb({alias}.{SqlIdentifier.Quote(keys[0])}) #>> {EmptyLiteral})"
            : "jsonb_build_array(" + string.Join(", ", keys.Select(k => $"to_jsonb({alias}.{SqlIdentifier.Quote(k)})")) + ")::text";

        // Excluded columns are dropped before anything else, so they never reach a row and never count as changed.
        public string Row(string alias) => Json($"to_jsonb({alias})");

        public string Json(string json) => options.Exclude.Count == 0
            ? json
            : $"({json} - {(followColumns ? ExcludeVariable : SqlIdentifier.TextArray(options.Exclude))})";

        // Masked values are replaced in full (a JSON/JSONB column is masked as a whole value).
        public string Masked(string json) => options.Mask.Count == 0
            ? json
            : followColumns
                ? $"({json} || {MaskImageVariable})"
                : $"({json} || jsonb_build_object(" + string.Join(", ", options.Mask.Select(m => $"{SqlIdentifier.Literal(m)}, {Placeholder}")) + "))";

        /// <summary>The masked column names, as an SQL text[] expression.</summary>
        public string MaskArray => followColumns ? MaskVariable : SqlIdentifier.TextArray(options.Mask);
    }

    // PL/pgSQL variables of a capture function that follows its columns; #variable_conflict use_variable keeps a
    // captured column of the same name from shadowing them.
    private const string ExcludeVariable = "threadline_exclude";
    private const string MaskVariable = "threadline_mask";
    private const string MaskImageVariable = "threadline_mask_image";

    // What begin_change returned for the statement: a PL/pgSQL variable in the capture function, a CTE in a baseline.
    private const string HeadVariable = "threadline_head";

    // An empty text[] or jsonb object literal: raw interpolated strings cannot hold literal braces.
    private const string EmptyLiteral = "'{}'";

    /// <summary>
    /// The declarations and first statement of a capture function with redaction: the columns to exclude and mask in
    /// this statement are those that bear a redacted name now, and those that bore it when capture was applied (by
    /// attnum, from the registry), so a rename keeps the redaction and a column re-added under a dropped redacted name
    /// gets it. Excluding wins over masking. Empty for a table without redaction, which pays nothing for it.
    /// </summary>
    private static (string Declare, string Resolve) FollowColumnsSql(TableDefinition table, TableCaptureOptions options, string placeholder, ThreadlineSchemaOptions schemaOptions)
    {
        if (options.Exclude.Count == 0 && options.Mask.Count == 0)
        {
            return ("", "");
        }

        var registry = AuditSchemaNames.For(schemaOptions).CapturedTables;
        var declare = $"""
                {ExcludeVariable} text[];
                {MaskVariable} text[];
                {MaskImageVariable} jsonb;
            """;
        var resolve = $"""
                -- Redaction follows the columns through renames, drops and re-adds (docs/capture.md, "When the schema changes").
                -- One catalog query per statement: the masked image comes from the same scan, not a second query.
                SELECT coalesce(array_agg(a.attname::text) FILTER (WHERE x.excluded), {EmptyLiteral}),
                       coalesce(array_agg(a.attname::text) FILTER (WHERE x.masked AND NOT x.excluded), {EmptyLiteral}),
                       coalesce(jsonb_object_agg(a.attname::text, {placeholder}) FILTER (WHERE x.masked AND NOT x.excluded), {EmptyLiteral})
                  INTO {ExcludeVariable}, {MaskVariable}, {MaskImageVariable}
                  FROM pg_catalog.pg_attribute a
                  LEFT JOIN {registry} ct ON ct.table_schema = {SqlIdentifier.Literal(table.Schema)} AND ct.table_name = {SqlIdentifier.Literal(table.Table)}
                 CROSS JOIN LATERAL (SELECT a.attname = ANY ({SqlIdentifier.TextArray(options.Exclude)}) OR coalesce(ct.options -> {SqlIdentifier.Literal(ColumnDrift.ExcludeAttnums)} @> to_jsonb(a.attnum::int), false) AS excluded,
                                            a.attname = ANY ({SqlIdentifier.TextArray(options.Mask)}) OR coalesce(ct.options -> {SqlIdentifier.Literal(ColumnDrift.MaskAttnums)} @> to_jsonb(a.attnum::int), false) AS masked) x
                 WHERE a.attrelid = TG_RELID AND a.attnum > 0 AND NOT a.attisdropped;
            """;
        return (declare, resolve);
    }

    /// <summary>
    /// The columns every capture statement writes: ids, time, table, op and key, and the head's transaction context.
    /// The head is the statement's first row when begin_change started the transaction (fresh); its context columns are
    /// NULL on every other row. A refused statement (tx NULL) raises on its first row (refuse), so a statement that
    /// changed no row is never refused and writes nothing.
    /// </summary>
    private sealed class ChangeRows(string schema, TableDefinition table, string requireActor)
    {
        public const string Columns = "id, tx_id, captured_at, table_id, op, row_key, txid, started_at, actor_type, actor_id, on_behalf_of_type, " +
            "on_behalf_of_id, request_id, correlation_id, trace_id, job_id, source, context, refused_context, action_id";

        public string TableLiteral { get; } = SqlIdentifier.Literal($"{table.Schema}.{table.Table}");

        public string RequireActor => requireActor;

        /// <summary>The values of <see cref="Columns"/> for a row of the derived table <c>x</c> (with its <c>head</c> flag).</summary>
        public string Values(string op, string key)
        {
            string Head(string value) => $"CASE WHEN x.head THEN {value} END";
            var head = string.Join(", ", new[]
            {
                $"{HeadVariable}.txid", "now()", $"{HeadVariable}.actor_type", $"{HeadVariable}.actor_id", $"{HeadVariable}.on_behalf_of_type",
                $"{HeadVariable}.on_behalf_of_id", $"{HeadVariable}.request_id", $"{HeadVariable}.correlation_id", $"{HeadVariable}.trace_id",
                $"{HeadVariable}.job_id", $"{HeadVariable}.source", $"{HeadVariable}.context", $"{HeadVariable}.refused_context", $"{HeadVariable}.action_id",
            }.Select(Head));
            var tableId = $"(SELECT tb.table_id FROM {schema}.tables tb WHERE tb.table_schema = {SqlIdentifier.Literal(table.Schema)} AND tb.table_name = {SqlIdentifier.Literal(table.Table)})";
            return $"CASE WHEN x.head THEN {HeadVariable}.tx ELSE nextval('{schema}.change_id') END, " +
                   $"coalesce({HeadVariable}.tx, {schema}.refuse({TableLiteral}, {HeadVariable}.refusal, {HeadVariable}.refused_context)), " +
                   $"clock_timestamp(), {tableId}, {op}, {key}, {head}";
        }
    }

    /// <summary>The capture function and triggers of a table already registered (the installer's upgrade regenerates them).</summary>
    internal static string FunctionSql(TableDefinition table, IReadOnlyList<string> keys, TableCaptureOptions options, ThreadlineSchemaOptions schemaOptions) =>
        Generate(table, keys, options, schemaOptions);

    private static string Generate(TableDefinition table, IReadOnlyList<string> keys, TableCaptureOptions options, ThreadlineSchemaOptions schemaOptions)
    {
        var s = AuditSchemaNames.For(schemaOptions).Schema;
        var target = SqlIdentifier.Qualified(table.Schema, table.Table);
        var function = s + "." + SqlIdentifier.Quote(FunctionName(table.Schema, table.Table));
        var requireActor = options.RequireActor ? "true" : "false";

        var images = new RowImages(keys, options, followColumns: true);
        var placeholder = images.Placeholder;
        var maskArray = images.MaskArray;
        var (declare, resolve) = FollowColumnsSql(table, options, placeholder, schemaOptions);
        var beforeValue = options.Mask.Count == 0
            ? "e.before"
            : $"CASE WHEN e.key = ANY ({maskArray}) THEN {placeholder} ELSE e.before END";
        // A no-op update (equal images) is skipped unless the options record it. Equal jsonb is not enough: 1.0 and 1.00
        // are equal numbers, so the text decides between equal images (it only runs on those).
        var noOpFilter = options.RecordNoOpUpdates ? "" : "\n                             WHERE NOT (u.before_row = u.after_row AND u.before_row::text = u.after_row::text)";
        var rows = new ChangeRows(s, table, requireActor);
        var anonymousCheck = options.RequireActor && !options.AllowAnonymous
            ? $"""

                -- A strict table takes the anonymous actor only when its capture options allow it (AllowAnonymous): refused (TL003)
                -- by the statement's first row, like every refusal.
                IF {HeadVariable}.actor_type = 'anonymous' THEN
                    {HeadVariable}.tx := NULL;
                    {HeadVariable}.refusal := 'anonymous';
                END IF;
            """
            : "";
        var variableConflict = declare.Length > 0 ? "#variable_conflict use_variable\n" : "";

        return $"""
            CREATE OR REPLACE FUNCTION {function}() RETURNS trigger
            LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $capture$
            {variableConflict}DECLARE
                {HeadVariable} {s}.capture_head;
            {declare}
            BEGIN
            {resolve}
                {HeadVariable} := {s}.begin_change({rows.TableLiteral}, {requireActor});{anonymousCheck}
                -- One statement per firing.
                IF TG_OP = 'INSERT' THEN
                    INSERT INTO {s}.changes ({ChangeRows.Columns}, data_after)
                    SELECT {rows.Values("'i'", "x.row_key")}, {images.Masked(images.Json("x.image"))}
                      FROM (SELECT to_jsonb({NewAlias}) AS image, {images.Key(NewAlias)} AS row_key, {HeadVariable}.fresh AND row_number() OVER () = 1 AS head
                              FROM new_rows {NewAlias}) x;
                ELSIF TG_OP = 'UPDATE' THEN
                    -- Transition tables hold old and new images in the same order; zipping the two arrays pairs them even when a
                    -- key changes, in linear time whatever plan PL/pgSQL cached (a join cached for a one-row statement went quadratic).
                    -- data_before holds the before values of the changed columns only. OFFSET 0 keeps each image and the diff
                    -- computed once per row.
                    INSERT INTO {s}.changes ({ChangeRows.Columns}, data_after, data_before)
                    SELECT {rows.Values("'u'", "x.row_key")}, {images.Masked("x.after_row")}, x.before
                      FROM (SELECT u.row_key, u.after_row, d.before, {HeadVariable}.fresh AND row_number() OVER () = 1 AS head
                              FROM (SELECT {images.KeyOf("z.after_full")} AS row_key, {images.Json("z.after_full")} AS after_row, {images.Json("z.before_full")} AS before_row
                                      FROM unnest((SELECT array_agg(to_jsonb({OldAlias})) FROM old_rows {OldAlias}),
                                                  (SELECT array_agg(to_jsonb({NewAlias})) FROM new_rows {NewAlias})) AS z(before_full, after_full)
                                    OFFSET 0) u
                             CROSS JOIN LATERAL (
                                  SELECT jsonb_object_agg(e.key, {beforeValue}) AS before
                                    FROM (SELECT b.key, u.before_row -> b.key AS before, b.value AS after FROM jsonb_each(u.after_row) b) e
                                   WHERE CASE WHEN e.after = e.before THEN e.after::text <> e.before::text ELSE true END) d{noOpFilter}
                            OFFSET 0) x;
                ELSIF TG_OP = 'DELETE' THEN
                    INSERT INTO {s}.changes ({ChangeRows.Columns}, data_before)
                    SELECT {rows.Values("'d'", "x.row_key")}, {images.Masked(images.Json("x.image"))}
                      FROM (SELECT to_jsonb({OldAlias}) AS image, {images.Key(OldAlias)} AS row_key, {HeadVariable}.fresh AND row_number() OVER () = 1 AS head
                              FROM old_rows {OldAlias}) x;
                ELSIF TG_OP = 'TRUNCATE' THEN
                    INSERT INTO {s}.changes ({ChangeRows.Columns})
                    SELECT {rows.Values("'t'", "NULL")}
                      FROM (SELECT {HeadVariable}.fresh AS head) x;
                END IF;
                RETURN NULL;
            END
            $capture$;
            ALTER FUNCTION {function}() OWNER TO {SqlIdentifier.Quote(schemaOptions.OwnerRole)};
            REVOKE ALL ON FUNCTION {function}() FROM PUBLIC;
            DROP TRIGGER IF EXISTS {InsertTrigger} ON {target};
            DROP TRIGGER IF EXISTS {UpdateTrigger} ON {target};
            DROP TRIGGER IF EXISTS {DeleteTrigger} ON {target};
            DROP TRIGGER IF EXISTS {TruncateTrigger} ON {target};
            CREATE TRIGGER {InsertTrigger} AFTER INSERT ON {target} REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}();
            CREATE TRIGGER {UpdateTrigger} AFTER UPDATE ON {target} REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}();
            CREATE TRIGGER {DeleteTrigger} AFTER DELETE ON {target} REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}();
            CREATE TRIGGER {TruncateTrigger} AFTER TRUNCATE ON {target} FOR EACH STATEMENT EXECUTE FUNCTION {function}();
            """;
    }

    /// <summary>
    /// The DDL that stops capturing a table: drops its four capture triggers and its trigger function, each IF EXISTS. It
    /// leaves the <c>captured_tables</c> row and all audit rows in place (<see cref="DisableScript"/> removes the row too).
    /// </summary>
    /// <param name="schema">The captured table's schema.</param>
    /// <param name="table">The captured table's name.</param>
    /// <param name="schemaOptions">The installation whose audit schema holds the trigger function.</param>
    /// <returns>The DDL, with every name quoted.</returns>
    public static string DisableSql(string schema, string table, ThreadlineSchemaOptions schemaOptions)
    {
        var target = SqlIdentifier.Qualified(schema, table);
        var function = AuditSchemaNames.For(schemaOptions).Schema + "." + SqlIdentifier.Quote(FunctionName(schema, table));
        return $"""
            DROP TRIGGER IF EXISTS {InsertTrigger} ON {target};
            DROP TRIGGER IF EXISTS {UpdateTrigger} ON {target};
            DROP TRIGGER IF EXISTS {DeleteTrigger} ON {target};
            DROP TRIGGER IF EXISTS {TruncateTrigger} ON {target};
            DROP FUNCTION IF EXISTS {function}();
            """;
    }
}
