/**
 * Runs once when the Next.js server starts: the settler drains the outbox inside the server
 * process, on the Node.js runtime only (never on the edge, never during the build).
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs" || process.env.NEXT_PHASE === "phase-production-build") return;
  const { startSharedSettler } = await import("./lib/server/payments");
  try {
    await startSharedSettler();
  } catch (error) {
    // The app still serves pages; paid inferences wait in the outbox until a settler runs.
    console.error(`settler not started: ${(error as Error).message}`);
  }
}
