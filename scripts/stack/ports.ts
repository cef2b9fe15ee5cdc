/** Checking the stack's ports before anything starts, so a taken port stops nothing half-way. */
import { createServer } from "node:net";

/** A port the stack needs, with who needs it. */
export type NeededPort = {
  /** Who listens there, e.g. "anvil (RPC_URL)". */
  name: string;
  port: number;
  /** Interface (default 127.0.0.1). */
  host?: string;
};

/** One or more ports are taken; the message names each with the variable that moves it. */
export class PortInUseError extends Error {
  readonly code = "PORT_IN_USE";
  constructor(readonly taken: readonly NeededPort[]) {
    super(
      `${taken.map((p) => `port ${p.port} for ${p.name}`).join(", ")} ${taken.length === 1 ? "is" : "are"} already in use: ` +
        "stop whatever listens there (an earlier `npm start`?) or choose other ports",
    );
    this.name = "PortInUseError";
  }
}

/** Whether nothing listens on `port` at `host` right now. */
export function isPortFree(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once("error", () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** Throws PortInUseError naming every taken port; two needs of one port count as taken. */
export async function assertPortsFree(ports: readonly NeededPort[]): Promise<void> {
  const taken: NeededPort[] = [];
  const seen = new Map<number, NeededPort>();
  for (const needed of ports) {
    const twice = seen.get(needed.port);
    if (twice) {
      taken.push({ ...needed, name: `${needed.name} (also set for ${twice.name})` });
      continue;
    }
    seen.set(needed.port, needed);
    if (!(await isPortFree(needed.port, needed.host))) taken.push(needed);
  }
  if (taken.length > 0) throw new PortInUseError(taken);
}
