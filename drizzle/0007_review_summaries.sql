CREATE TABLE "snapshot_changes" (
	"week" date NOT NULL,
	"list" text NOT NULL,
	"pos" integer NOT NULL,
	"account_id" integer NOT NULL,
	"owner_id" integer,
	CONSTRAINT "snapshot_changes_week_list_pos_pk" PRIMARY KEY("week","list","pos")
);
--> statement-breakpoint
CREATE TABLE "snapshot_counts" (
	"week" date NOT NULL,
	"owner_id" integer,
	"kind" text NOT NULL,
	"status" text NOT NULL,
	"grade" text,
	"tier" text,
	"stale" boolean NOT NULL,
	"n" integer NOT NULL,
	"open_value" double precision NOT NULL
);
--> statement-breakpoint
CREATE TABLE "snapshot_months" (
	"week" date NOT NULL,
	"owner_id" integer,
	"month" text NOT NULL,
	"n" integer NOT NULL,
	"open_value" double precision NOT NULL
);
--> statement-breakpoint
CREATE TABLE "snapshot_moves" (
	"week" date NOT NULL,
	"owner_id" integer,
	"from_key" text NOT NULL,
	"to_key" text NOT NULL,
	"n" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "snapshot_overdue" (
	"week" date NOT NULL,
	"owner_id" integer NOT NULL,
	"n" integer NOT NULL,
	CONSTRAINT "snapshot_overdue_week_owner_id_pk" PRIMARY KEY("week","owner_id")
);
--> statement-breakpoint
ALTER TABLE "snapshot_weeks" ADD COLUMN "compared_with" date;--> statement-breakpoint
CREATE INDEX "snapshot_changes_owner_idx" ON "snapshot_changes" USING btree ("week","list","owner_id");--> statement-breakpoint
CREATE INDEX "snapshot_counts_week_idx" ON "snapshot_counts" USING btree ("week","owner_id");--> statement-breakpoint
CREATE INDEX "snapshot_months_week_idx" ON "snapshot_months" USING btree ("week","owner_id");--> statement-breakpoint
CREATE INDEX "snapshot_moves_week_idx" ON "snapshot_moves" USING btree ("week","owner_id");--> statement-breakpoint
CREATE INDEX "account_snapshots_a_list_idx" ON "account_snapshots" USING btree ("week","close_by","account_id") WHERE "account_snapshots"."kind" = 'prospect' and "account_snapshots"."status" = 'open' and "account_snapshots"."grade" = 'A';--> statement-breakpoint
CREATE INDEX "account_snapshots_stale_idx" ON "account_snapshots" USING btree ("week","grade","account_id") WHERE "account_snapshots"."kind" = 'prospect' and "account_snapshots"."status" = 'open' and 'stale' = any("account_snapshots"."flags");