CREATE TYPE "public"."hold_status" AS ENUM('pending', 'committed', 'released');--> statement-breakpoint
CREATE TYPE "public"."inference_status" AS ENUM('pending', 'settled', 'failed');--> statement-breakpoint
CREATE TYPE "public"."outbox_status" AS ENUM('pending', 'submitted', 'settled', 'failed');--> statement-breakpoint
CREATE TABLE "api_keys" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"payer" text NOT NULL,
	"permit_id" uuid NOT NULL,
	"prefix" text NOT NULL,
	"key_hash" text NOT NULL,
	"label" text NOT NULL,
	"spend_cap" numeric(78, 0) NOT NULL,
	"spent" numeric(78, 0) DEFAULT 0 NOT NULL,
	"signature_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone,
	"last_used_at" timestamp with time zone,
	CONSTRAINT "api_keys_payer_hex" CHECK ("api_keys"."payer" ~ '^0x[0-9a-f]{40}$'),
	CONSTRAINT "api_keys_spend_cap_positive" CHECK ("api_keys"."spend_cap" > 0)
);
--> statement-breakpoint
CREATE TABLE "holds" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"payer" text NOT NULL,
	"permit_id" uuid NOT NULL,
	"api_key_id" uuid,
	"amount" numeric(78, 0) NOT NULL,
	"status" "hold_status" DEFAULT 'pending' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"closed_at" timestamp with time zone,
	CONSTRAINT "holds_amount_nonnegative" CHECK ("holds"."amount" >= 0)
);
--> statement-breakpoint
CREATE TABLE "inferences" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"settlement_seq" bigserial NOT NULL,
	"model_id" numeric(78, 0) NOT NULL,
	"payer" text NOT NULL,
	"permit_id" uuid NOT NULL,
	"api_key_id" uuid,
	"hold_id" uuid NOT NULL,
	"price" numeric(78, 0) NOT NULL,
	"prompt" text NOT NULL,
	"output" text NOT NULL,
	"retrieved_record_ids" text[] NOT NULL,
	"attribution" jsonb NOT NULL,
	"attribution_hash" text NOT NULL,
	"payees" text[] NOT NULL,
	"amounts" numeric(78, 0)[] NOT NULL,
	"status" "inference_status" DEFAULT 'pending' NOT NULL,
	"failure_reason" text,
	"settlement_tx_hash" text,
	"settlement_block" bigint,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"settled_at" timestamp with time zone,
	CONSTRAINT "inferences_settlement_seq_unique" UNIQUE("settlement_seq"),
	CONSTRAINT "inferences_payer_hex" CHECK ("inferences"."payer" ~ '^0x[0-9a-f]{40}$')
);
--> statement-breakpoint
CREATE TABLE "outbox" (
	"seq" bigint PRIMARY KEY NOT NULL,
	"inference_id" uuid NOT NULL,
	"status" "outbox_status" DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"tx_hash" text,
	"tx_nonce" integer,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"submitted_at" timestamp with time zone,
	"settled_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "spend_permits" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"chain_id" integer NOT NULL,
	"market" text NOT NULL,
	"payer" text NOT NULL,
	"spender" text NOT NULL,
	"cap" numeric(78, 0) NOT NULL,
	"expiry" numeric(78, 0) NOT NULL,
	"nonce" numeric(78, 0) NOT NULL,
	"signature" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "spend_permits_payer_hex" CHECK ("spend_permits"."payer" ~ '^0x[0-9a-f]{40}$'),
	CONSTRAINT "spend_permits_cap_positive" CHECK ("spend_permits"."cap" > 0)
);
--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_permit_id_spend_permits_id_fk" FOREIGN KEY ("permit_id") REFERENCES "public"."spend_permits"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "holds" ADD CONSTRAINT "holds_permit_id_spend_permits_id_fk" FOREIGN KEY ("permit_id") REFERENCES "public"."spend_permits"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "holds" ADD CONSTRAINT "holds_api_key_id_api_keys_id_fk" FOREIGN KEY ("api_key_id") REFERENCES "public"."api_keys"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "inferences" ADD CONSTRAINT "inferences_permit_id_spend_permits_id_fk" FOREIGN KEY ("permit_id") REFERENCES "public"."spend_permits"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "inferences" ADD CONSTRAINT "inferences_api_key_id_api_keys_id_fk" FOREIGN KEY ("api_key_id") REFERENCES "public"."api_keys"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "inferences" ADD CONSTRAINT "inferences_hold_id_holds_id_fk" FOREIGN KEY ("hold_id") REFERENCES "public"."holds"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "outbox" ADD CONSTRAINT "outbox_seq_inferences_settlement_seq_fk" FOREIGN KEY ("seq") REFERENCES "public"."inferences"("settlement_seq") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "outbox" ADD CONSTRAINT "outbox_inference_id_inferences_id_fk" FOREIGN KEY ("inference_id") REFERENCES "public"."inferences"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "api_keys_key_hash_unique" ON "api_keys" USING btree ("key_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "api_keys_signature_hash_unique" ON "api_keys" USING btree ("signature_hash");--> statement-breakpoint
CREATE INDEX "api_keys_payer_idx" ON "api_keys" USING btree ("payer","created_at");--> statement-breakpoint
CREATE INDEX "holds_payer_pending_idx" ON "holds" USING btree ("payer") WHERE "holds"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "holds_permit_pending_idx" ON "holds" USING btree ("permit_id") WHERE "holds"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "holds_api_key_pending_idx" ON "holds" USING btree ("api_key_id") WHERE "holds"."status" = 'pending';--> statement-breakpoint
CREATE UNIQUE INDEX "inferences_hold_unique" ON "inferences" USING btree ("hold_id");--> statement-breakpoint
CREATE INDEX "inferences_payer_idx" ON "inferences" USING btree ("payer","created_at");--> statement-breakpoint
CREATE INDEX "inferences_model_idx" ON "inferences" USING btree ("model_id","created_at");--> statement-breakpoint
CREATE INDEX "inferences_payer_pending_idx" ON "inferences" USING btree ("payer") WHERE "inferences"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "inferences_payer_settled_block_idx" ON "inferences" USING btree ("payer","settlement_block");--> statement-breakpoint
CREATE INDEX "inferences_permit_pending_idx" ON "inferences" USING btree ("permit_id") WHERE "inferences"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "inferences_permit_settled_block_idx" ON "inferences" USING btree ("permit_id","settlement_block");--> statement-breakpoint
CREATE INDEX "outbox_status_seq_idx" ON "outbox" USING btree ("status","seq");--> statement-breakpoint
CREATE INDEX "outbox_tx_hash_idx" ON "outbox" USING btree ("tx_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "outbox_inference_unique" ON "outbox" USING btree ("inference_id");--> statement-breakpoint
CREATE UNIQUE INDEX "spend_permits_nonce_unique" ON "spend_permits" USING btree ("chain_id","market","payer","nonce");--> statement-breakpoint
CREATE INDEX "spend_permits_payer_idx" ON "spend_permits" USING btree ("payer","created_at");