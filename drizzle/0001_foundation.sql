CREATE TABLE "accounts" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "accounts_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"kind" text DEFAULT 'prospect' NOT NULL,
	"name" text NOT NULL,
	"name_key" text NOT NULL,
	"domain" text,
	"industry" text,
	"employees" integer,
	"revenue" double precision,
	"growth_pct" double precision,
	"need" text,
	"situation" text,
	"status" text DEFAULT 'open' NOT NULL,
	"status_reason" text,
	"owner_id" integer,
	"added_on" date NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"grade" text,
	"fit" double precision,
	"close_by" date,
	"flags" text[] DEFAULT '{}'::text[] NOT NULL,
	"reason" text,
	"graded_on" date,
	"policy_version" integer,
	"slip_count" integer DEFAULT 0 NOT NULL,
	"latest_timing_type" text,
	"latest_timing_date" date,
	"latest_timing_expected" date,
	"last_signal_on" date,
	"prior_slips" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "accounts_kind_check" CHECK ("accounts"."kind" in ('prospect', 'customer')),
	CONSTRAINT "accounts_status_check" CHECK ("accounts"."status" in ('open', 'disqualified', 'lost')),
	CONSTRAINT "accounts_grade_check" CHECK ("accounts"."grade" is null or "accounts"."grade" in ('A', 'B', 'C', 'D'))
);
--> statement-breakpoint
CREATE TABLE "grade_changes" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "grade_changes_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"account_id" integer NOT NULL,
	"from_grade" text,
	"to_grade" text,
	"fit" double precision,
	"flags" text[] NOT NULL,
	"reason" text,
	"reasons" jsonb NOT NULL,
	"cause" text NOT NULL,
	"actor" text NOT NULL,
	"policy_version" integer,
	"as_of" date NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "job_runs" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "job_runs_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"job" text NOT NULL,
	"run_key" text NOT NULL,
	"status" text DEFAULT 'running' NOT NULL,
	"stats" jsonb,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "policies" (
	"version" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "policies_version_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"body" jsonb NOT NULL,
	"note" text,
	"created_by" text DEFAULT 'system' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "signals" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "signals_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"account_id" integer NOT NULL,
	"type" text NOT NULL,
	"date" date NOT NULL,
	"expected_date" date,
	"event" text,
	"note" text,
	"logged_by" text,
	"logged_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "grade_changes" ADD CONSTRAINT "grade_changes_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "signals" ADD CONSTRAINT "signals_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "accounts_domain_key" ON "accounts" USING btree ("domain");--> statement-breakpoint
CREATE INDEX "accounts_name_key_idx" ON "accounts" USING btree ("name_key");--> statement-breakpoint
CREATE INDEX "accounts_list_idx" ON "accounts" USING btree ("kind","status","grade","fit" DESC NULLS LAST,"id");--> statement-breakpoint
CREATE INDEX "accounts_close_by_idx" ON "accounts" USING btree ("kind","status","close_by","id");--> statement-breakpoint
CREATE INDEX "accounts_last_signal_idx" ON "accounts" USING btree ("kind","status","last_signal_on","id");--> statement-breakpoint
CREATE INDEX "accounts_flags_idx" ON "accounts" USING gin ("flags");--> statement-breakpoint
CREATE INDEX "accounts_name_trgm_idx" ON "accounts" USING gin ("name" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "accounts_domain_trgm_idx" ON "accounts" USING gin ("domain" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "grade_changes_account_idx" ON "grade_changes" USING btree ("account_id","at","id");--> statement-breakpoint
CREATE INDEX "grade_changes_as_of_idx" ON "grade_changes" USING btree ("as_of");--> statement-breakpoint
CREATE UNIQUE INDEX "job_runs_job_key" ON "job_runs" USING btree ("job","run_key");--> statement-breakpoint
CREATE INDEX "signals_account_idx" ON "signals" USING btree ("account_id","date","logged_at","id");