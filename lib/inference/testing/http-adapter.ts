/**
 * Serves Next.js-style route handlers (`(request: Request) => Promise<Response>`) from a plain
 * node:http server, for tests and the gateway benchmark: the same handlers `next start` runs,
 * without building the app. A client that disconnects aborts the request's signal, as in Next.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A route handler as a Next.js route file exports it (dynamic segments arrive in `params`). */
export type RouteHandler = (request: Request, context: { params: Promise<Record<string, string>> }) => Promise<Response> | Response;

/** Handlers by path and method, e.g. `{ "/api/v1/models": { GET }, "/api/v1/keys/[id]": { DELETE } }`. */
export type Routes = Record<string, Partial<Record<"GET" | "POST" | "DELETE", RouteHandler>>>;

/** A running server. */
export type RouteServer = {
  /** `http://127.0.0.1:<port>`. */
  origin: string;
  /** Stops the server and closes open connections. */
  close(): Promise<void>;
};

/** Starts a server for `routes` on `port` (default: any free port). */
export async function serveRoutes(routes: Routes, port = 0): Promise<RouteServer> {
  const server = createServer((req, res) => {
    handle(routes, req, res).catch((error: Error) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" }).end(error.message);
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function handle(routes: Routes, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", `http://${req.headers.host ?? "127.0.0.1"}`);
  const { handler, params } = match(routes, url.pathname, req.method ?? "GET");
  if (!handler) {
    res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: "not found", code: "NOT_FOUND" } }));
    return;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const controller = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) controller.abort();
  });
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === "string") headers.set(name, value);
    else if (Array.isArray(value)) for (const v of value) headers.append(name, v);
  }
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  const request = new Request(url, {
    method: req.method,
    headers,
    body: hasBody ? Buffer.concat(chunks) : undefined,
    signal: controller.signal,
  });
  const response = await handler(request, { params: Promise.resolve(params) });
  const outHeaders: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    outHeaders[name] = value;
  });
  res.writeHead(response.status, outHeaders);
  if (!response.body) {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  controller.signal.addEventListener("abort", () => void reader.cancel().catch(() => undefined));
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      if (!res.write(value)) {
        await new Promise<void>((resolve) => {
          res.once("drain", resolve);
          res.once("close", resolve);
        });
      }
    }
    res.end();
  } catch {
    res.destroy();
  }
}

function match(routes: Routes, path: string, method: string): { handler?: RouteHandler; params: Record<string, string> } {
  const parts = path.split("/");
  for (const [pattern, handlers] of Object.entries(routes)) {
    const want = pattern.split("/");
    if (want.length !== parts.length) continue;
    const params: Record<string, string> = {};
    const fits = want.every((segment, i) => {
      const dynamic = /^\[(\w+)\]$/.exec(segment);
      if (dynamic) params[dynamic[1]] = decodeURIComponent(parts[i]);
      return dynamic ? parts[i].length > 0 : segment === parts[i];
    });
    if (fits) return { handler: handlers[method as "GET" | "POST" | "DELETE"], params };
  }
  return { params: {} };
}
