CREATE TABLE "account_snapshots" (
	"week" date NOT NULL,
	"account_id" integer NOT NULL,
	"kind" text NOT NULL,
	"status" text NOT NULL,
	"grade" text,
	"fit" double precision,
	"tier" text,
	"tier_score" double precision,
	"owner_id" integer,
	"close_by" date,
	"flags" text[] NOT NULL,
	"slip_count" integer DEFAULT 0 NOT NULL,
	"open_value" double precision DEFAULT 0 NOT NULL,
	CONSTRAINT "account_snapshots_week_account_id_pk" PRIMARY KEY("week","account_id")
);
--> statement-breakpoint
CREATE TABLE "action_items" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "action_items_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"week" date NOT NULL,
	"text" text NOT NULL,
	"owner_id" integer,
	"due_on" date,
	"account_id" integer,
	"status" text DEFAULT 'open' NOT NULL,
	"done_on" date,
	"done_by" text,
	"version" integer DEFAULT 1 NOT NULL,
	"created_by" text NOT NULL,
	"created_by_id" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "action_items_status_check" CHECK ("action_items"."status" in ('open', 'done'))
);
--> statement-breakpoint
CREATE TABLE "balance_plans" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "balance_plans_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"status" text DEFAULT 'proposed' NOT NULL,
	"as_of" date NOT NULL,
	"policy_version" integer NOT NULL,
	"options" jsonb NOT NULL,
	"summary" jsonb NOT NULL,
	"reps" jsonb NOT NULL,
	"moves" jsonb NOT NULL,
	"created_by" text NOT NULL,
	"created_by_id" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"decided_by" text,
	"decided_at" timestamp with time zone,
	CONSTRAINT "balance_plans_status_check" CHECK ("balance_plans"."status" in ('proposed', 'applied', 'discarded'))
);
--> statement-breakpoint
CREATE TABLE "review_notes" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "review_notes_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"week" date NOT NULL,
	"body" text NOT NULL,
	"created_by" text NOT NULL,
	"created_by_id" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "snapshot_weeks" (
	"week" date PRIMARY KEY NOT NULL,
	"source" text NOT NULL,
	"accounts" integer NOT NULL,
	"taken_by" text NOT NULL,
	"taken_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "pinned" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "unassignable" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "action_items" ADD CONSTRAINT "action_items_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "action_items" ADD CONSTRAINT "action_items_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "account_snapshots_owner_idx" ON "account_snapshots" USING btree ("week","owner_id");--> statement-breakpoint
CREATE INDEX "action_items_week_idx" ON "action_items" USING btree ("week");--> statement-breakpoint
CREATE INDEX "action_items_status_idx" ON "action_items" USING btree ("status","due_on");--> statement-breakpoint
CREATE INDEX "balance_plans_created_idx" ON "balance_plans" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "review_notes_week_idx" ON "review_notes" USING btree ("week","id");