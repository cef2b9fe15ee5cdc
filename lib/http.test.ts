import { describe, expect, it } from "vitest";
import { z } from "zod";
import { UnknownRecordError } from "@/lib/attribution/errors";
import { DatanetNotFoundError } from "@/lib/datanets/errors";
import { PermitInvalidError } from "@/lib/payments/errors";
import { errorResponse, jsonResponse, parseInput, readJsonBody } from "./http";

const post = (body: BodyInit) => new Request("http://localhost/api", { method: "POST", body });
const schema = z.strictObject({ records: z.array(z.string()) });

describe("readJsonBody", () => {
  it("parses strict UTF-8 JSON", async () => {
    expect(parseInput(schema, await readJsonBody(post(JSON.stringify({ records: ["é 🐋"] }))))).toEqual({ records: ["é 🐋"] });
  });

  it("refuses invalid UTF-8 instead of replacing it, malformed JSON, wrong shapes and oversized bodies", async () => {
    const invalid = new Uint8Array([...Buffer.from('{"records":["a'), 0xff, 0xfe, ...Buffer.from('"]}')]);
    await expect(readJsonBody(post(invalid))).rejects.toMatchObject({ code: "INVALID_UTF8", status: 400 });
    await expect(readJsonBody(post("{records:"))).rejects.toMatchObject({ code: "INVALID_JSON" });
    expect(() => parseInput(schema, { records: "a" })).toThrow(expect.objectContaining({ code: "INVALID_INPUT" }));
    await expect(readJsonBody(post("x".repeat(101)), { maxBytes: 100 })).rejects.toMatchObject({ code: "BODY_TOO_LARGE" });
  });

  it("takes a route's character limit, lenient decoding and refusal codes", async () => {
    const options = {
      maxChars: 10,
      strictUtf8: false,
      tooLarge: { code: "REQUEST_TOO_LARGE", status: 413 },
      invalidJson: { code: "INVALID_REQUEST", status: 400 },
    };
    expect(await readJsonBody(post(new Uint8Array([0x22, 0xff, 0x22])), options)).toBe("\uFFFD");
    await expect(readJsonBody(post(JSON.stringify("x".repeat(9))), options)).rejects.toMatchObject({
      code: "REQUEST_TOO_LARGE",
      status: 413,
    });
    await expect(readJsonBody(post("{nope"), options)).rejects.toMatchObject({ code: "INVALID_REQUEST", status: 400 });
  });
});

describe("responses", () => {
  it("answers errors as { error: { code, message, ...details } } with their status, and hides unexpected ones", async () => {
    const known = errorResponse(new DatanetNotFoundError(7n));
    expect(known.status).toBe(404);
    expect(await known.json()).toEqual({ error: { code: "DATANET_NOT_FOUND", message: "No datanet 7 is published" } });
    const detailed = errorResponse(new PermitInvalidError("bad signature", "BAD_SIGNATURE"));
    expect([detailed.status, await detailed.json()]).toEqual([
      400,
      { error: { code: "PERMIT_INVALID", message: "bad signature", reason: "BAD_SIGNATURE" } },
    ]);
    const original = console.error;
    console.error = () => {};
    const unknown = errorResponse(new Error("connection string with a password"));
    console.error = original;
    expect(unknown.status).toBe(500);
    expect(await unknown.json()).toEqual({ error: { code: "INTERNAL_ERROR", message: "internal error" } });
  });

  it("hides the message of an error from outside the family even when it carries a code", async () => {
    const original = console.error;
    console.error = () => {};
    const driver = errorResponse(Object.assign(new Error("connect ECONNREFUSED 10.0.0.5:5432"), { code: "ECONNREFUSED" }));
    const sql = errorResponse(Object.assign(new Error('relation "holds" does not exist'), { code: "XX000", status: 400 }));
    console.error = original;
    for (const answer of [driver, sql]) {
      expect([answer.status, await answer.json()]).toEqual([500, { error: { code: "INTERNAL_ERROR", message: "internal error" } }]);
    }
    const engine = errorResponse(new UnknownRecordError("r1"));
    expect([engine.status, await engine.json()]).toEqual([
      500,
      { error: { code: "UNKNOWN_RECORD", message: 'record "r1" is not in the index' } },
    ]);
  });

  it("writes bigints as decimal strings", async () => {
    expect(await jsonResponse({ price: 2n ** 200n }).json()).toEqual({ price: (2n ** 200n).toString() });
  });
});
