CREATE TYPE "public"."unexplained_pool_policy" AS ENUM('owner', 'treasury');--> statement-breakpoint
ALTER TABLE "models" ADD COLUMN "unexplained_pool" "unexplained_pool_policy";