CREATE TABLE "account_counts" (
	"kind" text NOT NULL,
	"status" text NOT NULL,
	"grade" text NOT NULL,
	"flag" text NOT NULL,
	"n" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "account_counts_kind_status_grade_flag_pk" PRIMARY KEY("kind","status","grade","flag")
);
