CREATE TYPE "public"."model_status" AS ENUM('active', 'paused', 'retired');--> statement-breakpoint
CREATE TABLE "chain_cursors" (
	"stream" text NOT NULL,
	"contract" text NOT NULL,
	"block_number" bigint NOT NULL,
	"block_hash" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "chain_cursors_stream_contract_pk" PRIMARY KEY("stream","contract"),
	CONSTRAINT "chain_cursors_contract_hex" CHECK ("chain_cursors"."contract" ~ '^0x[0-9a-f]{40}$'),
	CONSTRAINT "chain_cursors_block_hash_hex" CHECK ("chain_cursors"."block_hash" ~ '^0x[0-9a-f]{64}$')
);
--> statement-breakpoint
ALTER TABLE "models" ADD COLUMN "status" "model_status" DEFAULT 'active' NOT NULL;