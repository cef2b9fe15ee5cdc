ALTER TABLE "datanets" ADD COLUMN "license_url" text;--> statement-breakpoint
ALTER TABLE "datanets" ADD COLUMN "tags" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "models" ADD COLUMN "tags" text[] DEFAULT '{}'::text[] NOT NULL;