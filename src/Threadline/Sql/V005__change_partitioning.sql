-- Threadline audit schema, version 5: optional time partitioning of changes, so retention drops whole partitions.
-- Nothing changes for an install that does not opt in (PartitioningManager.EnableAsync, at install time).

ALTER TABLE {{schema}}.settings
    ADD COLUMN partition_interval text CHECK (partition_interval IN ('day', 'month'));

-- Creates the partitions from the current period to p_ahead periods ahead; returns how many it created.
-- Rows outside every range land in the default partition, so a missed run never loses a change.
CREATE FUNCTION {{schema}}.ensure_change_partitions(p_ahead integer DEFAULT 3) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    v_interval text := (SELECT s.partition_interval FROM {{schema}}.settings s);
    v_step     interval;
    v_start    timestamptz;
    v_name     text;
    v_created  integer := 0;
BEGIN
    IF v_interval IS NULL THEN
        RAISE EXCEPTION 'threadline: changes are not partitioned in this install' USING ERRCODE = '55000';
    END IF;
    IF p_ahead < 0 OR p_ahead > 366 THEN
        RAISE EXCEPTION 'threadline: partitions ahead must be from 0 to 366, not %', p_ahead USING ERRCODE = '22023';
    END IF;
    v_step := ('1 ' || v_interval)::interval;
    v_start := date_trunc(v_interval, now(), 'UTC');
    FOR i IN 0 .. p_ahead LOOP
        v_name := 'changes_p' || to_char(v_start AT TIME ZONE 'UTC', CASE v_interval WHEN 'day' THEN 'YYYYMMDD' ELSE 'YYYYMM' END);
        IF to_regclass(format('%I.%I', '{{schema_name}}', v_name)) IS NULL THEN
            EXECUTE format('CREATE TABLE %I.%I PARTITION OF %I.changes FOR VALUES FROM (%L) TO (%L)',
                           '{{schema_name}}', v_name, '{{schema_name}}', v_start, v_start + v_step);
            v_created := v_created + 1;
        END IF;
        v_start := v_start + v_step;
    END LOOP;
    RETURN v_created;
END
$fn$;

-- Drops every range partition whose upper bound is at or before p_cutoff; returns each with its rows per table.
CREATE FUNCTION {{schema}}.drop_change_partitions_before(p_cutoff timestamptz)
RETURNS TABLE (partition_name text, table_key text, row_count bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    v_partition record;
BEGIN
    FOR v_partition IN
        SELECT c.relname::text AS name,
               (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \(''([^'']+)''\)'))[1]::timestamptz AS upper_bound
          FROM pg_catalog.pg_inherits i
          JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = to_regclass(format('%I.changes', '{{schema_name}}'))
           AND pg_get_expr(c.relpartbound, c.oid) <> 'DEFAULT'
         ORDER BY 2
    LOOP
        CONTINUE WHEN v_partition.upper_bound > p_cutoff;
        RETURN QUERY EXECUTE format('SELECT %L::text, table_schema || ''.'' || table_name, count(*) FROM %I.%I GROUP BY 2',
                                    v_partition.name, '{{schema_name}}', v_partition.name);
        EXECUTE format('DROP TABLE %I.%I', '{{schema_name}}', v_partition.name);
        partition_name := v_partition.name; table_key := NULL; row_count := NULL;
        RETURN NEXT;
    END LOOP;
END
$fn$;

ALTER FUNCTION {{schema}}.ensure_change_partitions(integer) OWNER TO {{owner}};
ALTER FUNCTION {{schema}}.drop_change_partitions_before(timestamptz) OWNER TO {{owner}};
REVOKE ALL ON FUNCTION {{schema}}.ensure_change_partitions(integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION {{schema}}.drop_change_partitions_before(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION {{schema}}.ensure_change_partitions(integer) TO {{retention}};
GRANT EXECUTE ON FUNCTION {{schema}}.drop_change_partitions_before(timestamptz) TO {{retention}};
