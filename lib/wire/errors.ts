/**
 * The error answer of every app API route except /api/v1 (which speaks OpenAI's shape):
 * `{ error: { code, message, ...details } }`. The edge (lib/http.ts) writes it; browser code reads
 * it with {@link errorBodySchema}.
 */
import { z } from "zod";

const detail = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/** `{ error: { code, message, ...details } }`; details are the error's explaining values (e.g. a permit's `reason`). */
export const errorBodySchema = z.object({
  error: z.object({ code: z.string(), message: z.string() }).catchall(detail),
});

/** An error answer. */
export type ErrorBody = z.output<typeof errorBodySchema>;

/** The code and message of an error answer, or null when `body` is not one. */
export function readErrorBody(body: unknown): ErrorBody["error"] | null {
  return errorBodySchema.safeParse(body).data?.error ?? null;
}
