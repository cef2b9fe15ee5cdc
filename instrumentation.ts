/**
 * Runs once when the Next.js server starts: through the server root (lib/server/root.ts), the
 * settler drains the outbox and the model sync follows the registry's model updates (price,
 * split, paused/retired) into the database, inside the server process, on the Node.js runtime
 * only (never on the edge, never during the build). After a redeploy the root restarts both.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs" || process.env.NEXT_PHASE === "phase-production-build") return;
  const { processServer } = await import("./lib/server/root");
  const server = processServer();
  try {
    await server.startSettler();
  } catch (error) {
    // The app still serves pages; paid inferences wait in the outbox until a settler runs.
    console.error(`settler not started: ${(error as Error).message}`);
  }
  try {
    await server.startModelSync();
  } catch (error) {
    // Without it the gateway keeps the terms and status it last stored for each model.
    console.error(`model sync not started: ${(error as Error).message}`);
  }
}
