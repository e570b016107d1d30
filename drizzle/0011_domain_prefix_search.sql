DROP INDEX "accounts_domain_trgm_idx";--> statement-breakpoint
DROP INDEX "accounts_domain_key";--> statement-breakpoint
CREATE UNIQUE INDEX "accounts_domain_key" ON "accounts" USING btree ("domain" text_pattern_ops);