ALTER TYPE "public"."outbox_status" ADD VALUE 'quarantined';--> statement-breakpoint
ALTER TABLE "outbox" ADD COLUMN "replaced_tx_hashes" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "outbox" ADD COLUMN "block_number" bigint;--> statement-breakpoint
ALTER TABLE "outbox" ADD COLUMN "block_hash" text;--> statement-breakpoint
CREATE INDEX "outbox_block_idx" ON "outbox" USING btree ("block_number") WHERE "outbox"."block_number" is not null;