-- UNLOGGED: a cache of the dry run, rebuilt from the file when lost (see src/import/stage.ts).
CREATE UNLOGGED TABLE "import_rows" (
	"job_id" integer NOT NULL,
	"line" integer NOT NULL,
	"is_new" boolean NOT NULL,
	"account_id" integer,
	"before_version" integer,
	"name" text NOT NULL,
	"name_key" text NOT NULL,
	"domain" text,
	"industry" text,
	"employees" integer,
	"revenue" double precision,
	"growth_pct" double precision,
	"need" text,
	"situation" text,
	"owner_id" integer,
	"added_on" date,
	"grade" text,
	"fit" double precision,
	"close_by" date,
	"flags" text[],
	"reason" text,
	"slip_count" integer,
	"from_grade" text,
	"moved" boolean DEFAULT false NOT NULL,
	"rose" boolean DEFAULT false NOT NULL,
	"reasons" jsonb,
	"audit_before" jsonb,
	"audit_after" jsonb,
	CONSTRAINT "import_rows_job_id_line_pk" PRIMARY KEY("job_id","line")
);
--> statement-breakpoint
ALTER TABLE "import_jobs" ADD COLUMN "speculation" jsonb;--> statement-breakpoint
ALTER TABLE "import_rows" ADD CONSTRAINT "import_rows_job_id_import_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."import_jobs"("id") ON DELETE cascade ON UPDATE no action;
--> statement-breakpoint
-- The file is stored as it came (already compact text); compressing 1 MiB pieces only slows uploads.
ALTER TABLE "import_file_chunks" ALTER COLUMN "data" SET STORAGE EXTERNAL;
