import { describe, expect, it } from "vitest";
import { z } from "zod";
import { DatanetNotFoundError } from "./errors";
import { errorResponse, jsonResponse, readJsonBody } from "./http";

const post = (body: BodyInit) => new Request("http://localhost/api", { method: "POST", body });
const schema = z.strictObject({ records: z.array(z.string()) });

describe("readJsonBody", () => {
  it("parses and validates strict UTF-8 JSON", async () => {
    expect(await readJsonBody(post(JSON.stringify({ records: ["é 🐋"] })), schema)).toEqual({ records: ["é 🐋"] });
  });

  it("refuses invalid UTF-8 instead of replacing it, malformed JSON, wrong shapes and oversized bodies", async () => {
    const invalid = new Uint8Array([...Buffer.from('{"records":["a'), 0xff, 0xfe, ...Buffer.from('"]}')]);
    await expect(readJsonBody(post(invalid), schema)).rejects.toMatchObject({ code: "INVALID_UTF8", status: 400 });
    await expect(readJsonBody(post("{records:"), schema)).rejects.toMatchObject({ code: "INVALID_JSON" });
    await expect(readJsonBody(post('{"records":"a"}'), schema)).rejects.toMatchObject({ code: "INVALID_INPUT" });
    await expect(readJsonBody(post("x".repeat(101)), schema, 100)).rejects.toMatchObject({ code: "BODY_TOO_LARGE" });
  });
});

describe("responses", () => {
  it("answers errors as { error: { code, message } } with their status, and hides unexpected ones", async () => {
    const known = errorResponse(new DatanetNotFoundError(7n));
    expect(known.status).toBe(404);
    expect(await known.json()).toEqual({ error: { code: "DATANET_NOT_FOUND", message: "No datanet 7 is published" } });
    const original = console.error;
    console.error = () => {};
    const unknown = errorResponse(new Error("connection string with a password"));
    console.error = original;
    expect(unknown.status).toBe(500);
    expect(JSON.stringify(await unknown.json())).not.toContain("password");
  });

  it("writes bigints as decimal strings", async () => {
    expect(await jsonResponse({ price: 2n ** 200n }).json()).toEqual({ price: (2n ** 200n).toString() });
  });
});
