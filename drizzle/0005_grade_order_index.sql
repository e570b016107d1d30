DROP INDEX "accounts_list_idx";--> statement-breakpoint
CREATE INDEX "accounts_grade_order_idx" ON "accounts" USING btree ("kind","status",coalesce("grade", 'E'),(-coalesce("fit", -1)),"id");