CREATE TABLE "balance_plan_moves" (
	"plan_id" integer NOT NULL,
	"seq" integer NOT NULL,
	"account_id" integer NOT NULL,
	"from_owner" integer,
	"to_owner" integer NOT NULL,
	"to_level" integer NOT NULL,
	"key" text NOT NULL,
	"load" double precision NOT NULL,
	"min_level" integer NOT NULL,
	"reason" text NOT NULL,
	"why" text NOT NULL,
	CONSTRAINT "balance_plan_moves_plan_id_seq_pk" PRIMARY KEY("plan_id","seq")
);
--> statement-breakpoint
ALTER TABLE "balance_plan_moves" ADD CONSTRAINT "balance_plan_moves_plan_id_balance_plans_id_fk" FOREIGN KEY ("plan_id") REFERENCES "public"."balance_plans"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "balance_plans" DROP COLUMN "moves";