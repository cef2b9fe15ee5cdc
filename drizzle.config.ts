import { defineConfig } from "drizzle-kit";

// `npx drizzle-kit generate` writes a new migration into db/migrations from db/schema; the app
// applies them with `migrate(db)` from db/client.ts (PGlite and PostgreSQL alike).
export default defineConfig({
  dialect: "postgresql",
  schema: "./db/schema/index.ts",
  out: "./db/migrations",
});
