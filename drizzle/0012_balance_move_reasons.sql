ALTER TABLE "balance_plan_moves" ADD COLUMN "util_after" double precision;--> statement-breakpoint
ALTER TABLE "balance_plan_moves" ADD COLUMN "made_room" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "balance_plan_moves" ADD COLUMN "room_for_level" integer;--> statement-breakpoint
ALTER TABLE "balance_plan_moves" ADD COLUMN "from_load" double precision;--> statement-breakpoint
-- A move's sentence is no longer stored but rendered from these columns (moveExplainer in
-- src/ownership/balance.ts). Moves stored before kept only the sentence: what it was built from is
-- read back out of it (its wording is unchanged), so those plans read the same.
UPDATE "balance_plan_moves" SET
  "util_after" = coalesce(substring("why" from '\(([0-9]+) % after\)\.$')::double precision / 100, 0),
  "made_room" = "why" ~ ' qualifies and made room for it \([0-9]+ % after\)\.$',
  "room_for_level" = substring("why" from ' passed it on to make room for an account only level ([0-9]+) or above can take; ')::integer,
  "from_load" = CASE WHEN "reason" = 'over_capacity' THEN substring("why" from ' was over capacity \(([0-9.eE+-]+) of [0-9.eE+-]+ points\); ')::double precision END;--> statement-breakpoint
-- Evening: the sentence gives the owner's utilization; the load is that times their capacity in the plan.
UPDATE "balance_plan_moves" m SET "from_load" = substring(m."why" from ' was at ([0-9]+) %, above the even target of ')::double precision / 100 * c."capacity"
FROM (
  SELECT p."id" AS "plan_id", (r ->> 'id')::integer AS "rep_id", (r ->> 'capacity')::double precision AS "capacity"
  FROM "balance_plans" p, jsonb_array_elements(p."reps") r
) c
WHERE m."reason" = 'evening' AND m."room_for_level" IS NULL AND c."plan_id" = m."plan_id" AND c."rep_id" = m."from_owner";--> statement-breakpoint
ALTER TABLE "balance_plan_moves" ALTER COLUMN "util_after" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "balance_plan_moves" DROP COLUMN "why";
