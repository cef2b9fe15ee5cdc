CREATE TYPE "public"."model_backend_kind" AS ENUM('builtin', 'openai');--> statement-breakpoint
CREATE TABLE "contributions" (
	"id" numeric(78, 0) PRIMARY KEY NOT NULL,
	"datanet_id" numeric(78, 0) NOT NULL,
	"contributor" text NOT NULL,
	"merkle_root" text NOT NULL,
	"record_count" integer NOT NULL,
	"tx_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "contributions_contributor_hex" CHECK ("contributions"."contributor" ~ '^0x[0-9a-f]{40}$'),
	CONSTRAINT "contributions_merkle_root_hex" CHECK ("contributions"."merkle_root" ~ '^0x[0-9a-f]{64}$'),
	CONSTRAINT "contributions_tx_hash_hex" CHECK ("contributions"."tx_hash" ~ '^0x[0-9a-f]{64}$'),
	CONSTRAINT "contributions_record_count_positive" CHECK ("contributions"."record_count" > 0)
);
--> statement-breakpoint
CREATE TABLE "datanets" (
	"id" numeric(78, 0) PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"license" text NOT NULL,
	"owner" text NOT NULL,
	"metadata_uri" text NOT NULL,
	"tx_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "datanets_owner_hex" CHECK ("datanets"."owner" ~ '^0x[0-9a-f]{40}$'),
	CONSTRAINT "datanets_tx_hash_hex" CHECK ("datanets"."tx_hash" ~ '^0x[0-9a-f]{64}$')
);
--> statement-breakpoint
CREATE TABLE "model_datanets" (
	"model_id" numeric(78, 0) NOT NULL,
	"datanet_id" numeric(78, 0) NOT NULL,
	CONSTRAINT "model_datanets_model_id_datanet_id_pk" PRIMARY KEY("model_id","datanet_id")
);
--> statement-breakpoint
CREATE TABLE "models" (
	"id" numeric(78, 0) PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"model_card" text DEFAULT '' NOT NULL,
	"backend_kind" "model_backend_kind" NOT NULL,
	"backend_base_url" text,
	"backend_model" text,
	"backend_key_name" text,
	"owner" text NOT NULL,
	"metadata_uri" text NOT NULL,
	"price" numeric(78, 0) NOT NULL,
	"owner_share_bps" integer NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"tx_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "models_owner_hex" CHECK ("models"."owner" ~ '^0x[0-9a-f]{40}$'),
	CONSTRAINT "models_tx_hash_hex" CHECK ("models"."tx_hash" ~ '^0x[0-9a-f]{64}$'),
	CONSTRAINT "models_owner_share_bps_range" CHECK ("models"."owner_share_bps" between 0 and 10000),
	CONSTRAINT "models_price_nonnegative" CHECK ("models"."price" >= 0),
	CONSTRAINT "models_backend_complete" CHECK (("models"."backend_kind" = 'builtin') or ("models"."backend_base_url" is not null and "models"."backend_model" is not null)),
	CONSTRAINT "models_backend_key_name_format" CHECK ("models"."backend_key_name" is null or "models"."backend_key_name" ~ '^[A-Z0-9_]+$')
);
--> statement-breakpoint
CREATE TABLE "records" (
	"contribution_id" numeric(78, 0) NOT NULL,
	"position" integer NOT NULL,
	"datanet_id" numeric(78, 0) NOT NULL,
	"contributor" text NOT NULL,
	"text" text NOT NULL,
	"hash" text NOT NULL,
	CONSTRAINT "records_contribution_id_position_pk" PRIMARY KEY("contribution_id","position"),
	CONSTRAINT "records_hash_hex" CHECK ("records"."hash" ~ '^0x[0-9a-f]{64}$'),
	CONSTRAINT "records_position_nonnegative" CHECK ("records"."position" >= 0)
);
--> statement-breakpoint
ALTER TABLE "contributions" ADD CONSTRAINT "contributions_datanet_id_datanets_id_fk" FOREIGN KEY ("datanet_id") REFERENCES "public"."datanets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_datanets" ADD CONSTRAINT "model_datanets_model_id_models_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."models"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_datanets" ADD CONSTRAINT "model_datanets_datanet_id_datanets_id_fk" FOREIGN KEY ("datanet_id") REFERENCES "public"."datanets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "records" ADD CONSTRAINT "records_contribution_id_contributions_id_fk" FOREIGN KEY ("contribution_id") REFERENCES "public"."contributions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "records" ADD CONSTRAINT "records_datanet_id_datanets_id_fk" FOREIGN KEY ("datanet_id") REFERENCES "public"."datanets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "contributions_datanet_idx" ON "contributions" USING btree ("datanet_id","id");--> statement-breakpoint
CREATE INDEX "model_datanets_datanet_idx" ON "model_datanets" USING btree ("datanet_id");--> statement-breakpoint
CREATE INDEX "records_datanet_idx" ON "records" USING btree ("datanet_id","contribution_id","position");--> statement-breakpoint
CREATE INDEX "records_hash_idx" ON "records" USING btree ("hash","contribution_id","position");