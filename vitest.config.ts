import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL(".", import.meta.url));
// `server-only` throws outside React Server Components; tests import the server root as Next's server does.
const alias = { "@": root, "server-only": `${root}node_modules/server-only/empty.js` };

// Two projects: fast unit/integration tests (each file starts what it needs, e.g. its own anvil
// or an in-memory PGlite), then browser end-to-end tests (each file starts its own stack: anvil,
// the indexer and `next start`), which run after every unit file is done (groupOrder).
export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: "unit",
          include: ["{lib,db,contracts,scripts,indexer,app,components}/**/*.test.{ts,tsx}"],
          exclude: ["**/node_modules/**", ".next/**", ".data/**"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          pool: "forks",
          sequence: { groupOrder: 0 },
        },
      },
      {
        resolve: { alias },
        test: {
          name: "e2e",
          include: ["e2e/**/*.test.ts"],
          testTimeout: 120_000,
          hookTimeout: 300_000,
          pool: "forks",
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
