import { describe, expect, it } from "vitest";
import { errorResponse } from "./http";
import { clientAddress, createRateLimits, RateLimitedError } from "./rate-limits";

describe("rate limits", () => {
  it("allows the limit per key and scope in a minute, then refuses with 429 RATE_LIMITED and Retry-After", async () => {
    const limits = createRateLimits({ apiKey: 3, payer: 1, ip: 2 });
    for (let i = 0; i < 3; i++) await limits.consume("apiKey", "upk_a");
    const refused = await limits.consume("apiKey", "upk_a").catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(RateLimitedError);
    expect(refused).toMatchObject({ code: "RATE_LIMITED", status: 429, scope: "apiKey" });
    const retryAfter = (refused as RateLimitedError).retryAfterSeconds;
    expect(retryAfter >= 1 && retryAfter <= 60).toBe(true);
    const response = errorResponse(refused);
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe(String(retryAfter));
    expect(await response.json()).toMatchObject({ error: { code: "RATE_LIMITED", scope: "apiKey", limit: 3 } });
    // Another key, and another scope with the same key, count apart.
    await limits.consume("apiKey", "upk_b");
    await limits.consume("payer", "upk_a");
    await expect(limits.consume("payer", "upk_a")).rejects.toBeInstanceOf(RateLimitedError);
  });

  it("reads the client address from X-Forwarded-For only behind a trusted proxy", () => {
    const request = new Request("http://localhost/", { headers: { "x-forwarded-for": "203.0.113.7, 10.0.0.1" } });
    expect(clientAddress(request, true)).toBe("203.0.113.7");
    // A header the client sets itself must not pick its bucket.
    expect(clientAddress(request, false)).toBe("direct");
    expect(clientAddress(new Request("http://localhost/"), true)).toBe("unknown");
  });
});
