CREATE TABLE "account_touches" (
	"account_id" integer PRIMARY KEY NOT NULL,
	"last_call_on" date,
	"last_meeting_on" date,
	"last_email_on" date,
	"last_visit_on" date,
	"last_note_on" date
);
--> statement-breakpoint
ALTER TABLE "account_touches" ADD CONSTRAINT "account_touches_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
-- Keeps account_touches in step with signals, one statement at a time (like 0004's counters):
-- an insert moves each account's dates forward; a delete or update recomputes the accounts it
-- touched from their remaining signals (signals_account_idx), dropping the row when none is left.
CREATE OR REPLACE FUNCTION account_touches_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO account_touches (account_id, last_call_on, last_meeting_on, last_email_on, last_visit_on, last_note_on)
  SELECT account_id,
    max(date) FILTER (WHERE type = 'call'), max(date) FILTER (WHERE type = 'meeting'), max(date) FILTER (WHERE type = 'email'),
    max(date) FILTER (WHERE type = 'visit'), max(date) FILTER (WHERE type = 'note')
  FROM new_rows
  WHERE type IN ('call', 'meeting', 'email', 'visit', 'note')
  GROUP BY account_id
  ON CONFLICT (account_id) DO UPDATE SET
    last_call_on = greatest(account_touches.last_call_on, excluded.last_call_on),
    last_meeting_on = greatest(account_touches.last_meeting_on, excluded.last_meeting_on),
    last_email_on = greatest(account_touches.last_email_on, excluded.last_email_on),
    last_visit_on = greatest(account_touches.last_visit_on, excluded.last_visit_on),
    last_note_on = greatest(account_touches.last_note_on, excluded.last_note_on);
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION account_touches_refresh(ids integer[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM account_touches t
  WHERE t.account_id = ANY (ids)
    AND NOT EXISTS (SELECT 1 FROM signals s WHERE s.account_id = t.account_id AND s.type IN ('call', 'meeting', 'email', 'visit', 'note'));
  INSERT INTO account_touches (account_id, last_call_on, last_meeting_on, last_email_on, last_visit_on, last_note_on)
  SELECT s.account_id,
    max(s.date) FILTER (WHERE s.type = 'call'), max(s.date) FILTER (WHERE s.type = 'meeting'), max(s.date) FILTER (WHERE s.type = 'email'),
    max(s.date) FILTER (WHERE s.type = 'visit'), max(s.date) FILTER (WHERE s.type = 'note')
  FROM signals s
  WHERE s.account_id = ANY (ids) AND s.type IN ('call', 'meeting', 'email', 'visit', 'note')
  GROUP BY s.account_id
  ON CONFLICT (account_id) DO UPDATE SET
    last_call_on = excluded.last_call_on, last_meeting_on = excluded.last_meeting_on, last_email_on = excluded.last_email_on,
    last_visit_on = excluded.last_visit_on, last_note_on = excluded.last_note_on;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION account_touches_on_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM account_touches_refresh(ARRAY(
    SELECT DISTINCT account_id FROM old_rows WHERE type IN ('call', 'meeting', 'email', 'visit', 'note')));
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION account_touches_on_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM account_touches_refresh(ARRAY(
    SELECT account_id FROM old_rows WHERE type IN ('call', 'meeting', 'email', 'visit', 'note')
    UNION SELECT account_id FROM new_rows WHERE type IN ('call', 'meeting', 'email', 'visit', 'note')));
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER account_touches_insert AFTER INSERT ON signals REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION account_touches_on_insert();
--> statement-breakpoint
CREATE TRIGGER account_touches_delete AFTER DELETE ON signals REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION account_touches_on_delete();
--> statement-breakpoint
CREATE TRIGGER account_touches_update AFTER UPDATE ON signals REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION account_touches_on_update();
--> statement-breakpoint
-- A database that already has signals starts with their dates.
INSERT INTO account_touches (account_id, last_call_on, last_meeting_on, last_email_on, last_visit_on, last_note_on)
SELECT account_id,
  max(date) FILTER (WHERE type = 'call'), max(date) FILTER (WHERE type = 'meeting'), max(date) FILTER (WHERE type = 'email'),
  max(date) FILTER (WHERE type = 'visit'), max(date) FILTER (WHERE type = 'note')
FROM signals
WHERE type IN ('call', 'meeting', 'email', 'visit', 'note')
GROUP BY account_id;
