-- Keeps account_counts in step with accounts, one statement at a time: each trigger sums the
-- statement's rows per (kind, status, grade, flag) and writes only the counters that moved.
CREATE OR REPLACE FUNCTION account_counts_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO account_counts (kind, status, grade, flag, n)
  SELECT kind, status, coalesce(grade, ''), f, count(*)
  FROM new_rows, unnest(flags || ''::text) AS f
  GROUP BY 1, 2, 3, 4
  ON CONFLICT (kind, status, grade, flag) DO UPDATE SET n = account_counts.n + excluded.n;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION account_counts_on_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO account_counts (kind, status, grade, flag, n)
  SELECT kind, status, coalesce(grade, ''), f, -count(*)
  FROM old_rows, unnest(flags || ''::text) AS f
  GROUP BY 1, 2, 3, 4
  ON CONFLICT (kind, status, grade, flag) DO UPDATE SET n = account_counts.n + excluded.n;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION account_counts_on_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO account_counts (kind, status, grade, flag, n)
  SELECT kind, status, grade, flag, sum(d)
  FROM (
    SELECT kind, status, coalesce(grade, '') AS grade, f AS flag, 1 AS d FROM new_rows, unnest(flags || ''::text) AS f
    UNION ALL
    SELECT kind, status, coalesce(grade, ''), f, -1 FROM old_rows, unnest(flags || ''::text) AS f
  ) moved
  GROUP BY 1, 2, 3, 4
  HAVING sum(d) <> 0
  ON CONFLICT (kind, status, grade, flag) DO UPDATE SET n = account_counts.n + excluded.n;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER account_counts_insert AFTER INSERT ON accounts REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION account_counts_on_insert();
--> statement-breakpoint
CREATE TRIGGER account_counts_delete AFTER DELETE ON accounts REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION account_counts_on_delete();
--> statement-breakpoint
CREATE TRIGGER account_counts_update AFTER UPDATE ON accounts REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION account_counts_on_update();
--> statement-breakpoint
-- A database that already has accounts starts with their counts.
INSERT INTO account_counts (kind, status, grade, flag, n)
SELECT kind, status, coalesce(grade, ''), f, count(*)
FROM accounts, unnest(flags || ''::text) AS f
GROUP BY 1, 2, 3, 4;
