-- Partition mode: creates the partitions from the current period to p_ahead periods ahead; returns how many it created.
-- Rows outside every range land in the default partition, so a missed run never loses a change.
CREATE OR REPLACE FUNCTION {{schema}}.ensure_change_partitions(p_ahead integer DEFAULT 3) RETURNS integer
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

ALTER FUNCTION {{schema}}.ensure_change_partitions(integer) OWNER TO {{owner}};
REVOKE ALL ON FUNCTION {{schema}}.ensure_change_partitions(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION {{schema}}.ensure_change_partitions(integer) TO {{retention}};
