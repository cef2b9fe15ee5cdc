/**
 * Request rate limits, per API key, per payer and per client address, by `rate-limiter-flexible`
 * in this process's memory (fixed windows of a minute). A route asks before it does any work:
 * over the limit it answers 429 RATE_LIMITED with `Retry-After`, having held and stored nothing.
 * The limits are in the configuration table (`RATE_LIMIT_*`); each process counts its own.
 */
import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import { UpstreamError } from "./errors";

/** Who a request is counted against. */
export type RateLimitScope = "apiKey" | "payer" | "ip";

/** Requests per minute allowed in each scope. */
export type RateLimitSettings = Record<RateLimitScope, number>;

/** Too many requests in a scope: try again after `retryAfterSeconds`. */
export class RateLimitedError extends UpstreamError {
  readonly code = "RATE_LIMITED";
  readonly status = 429;
  constructor(
    readonly scope: RateLimitScope,
    readonly retryAfterSeconds: number,
    limit: number,
  ) {
    super(`Too many requests: at most ${limit} a minute per ${scopeName[scope]}; try again in ${retryAfterSeconds} s.`, {
      details: { scope, limit, retryAfterSeconds },
    });
  }
}

const scopeName: Record<RateLimitScope, string> = { apiKey: "API key", payer: "payer", ip: "client address" };

/** The limiters of one process. */
export type RateLimits = {
  /** Counts one request of `key` in `scope`; throws {@link RateLimitedError} over the limit. */
  consume(scope: RateLimitScope, key: string): Promise<void>;
};

/** Creates the limiters (one fixed one-minute window per key and scope). */
export function createRateLimits(settings: RateLimitSettings): RateLimits {
  const limiters = Object.fromEntries(
    (Object.keys(settings) as RateLimitScope[]).map((scope) => [
      scope,
      new RateLimiterMemory({ keyPrefix: scope, points: settings[scope], duration: 60 }),
    ]),
  ) as Record<RateLimitScope, RateLimiterMemory>;
  return {
    async consume(scope, key) {
      try {
        await limiters[scope].consume(key);
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
        throw new RateLimitedError(scope, Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)), settings[scope]);
      }
    },
  };
}

/**
 * The client's address for the per-address limit: the first `X-Forwarded-For` hop when the
 * server sits behind a proxy it trusts (`TRUST_PROXY`), else one shared key — a header a client
 * sets itself would let it pick a fresh address for every request.
 */
export function clientAddress(request: Request, trustProxy: boolean): string {
  if (!trustProxy) return "direct";
  const forwarded = request.headers.get("x-forwarded-for")?.split(",")[0]?.trim();
  return forwarded || request.headers.get("x-real-ip")?.trim() || "unknown";
}

/** The `Retry-After` header for an error that has one. */
export function retryAfterHeaders(error: unknown): Record<string, string> | undefined {
  return error instanceof RateLimitedError ? { "retry-after": String(error.retryAfterSeconds) } : undefined;
}
