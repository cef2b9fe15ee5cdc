/**
 * How a browser user without an API key pays for an inference in the playground.
 *
 * The payer signs ONE EIP-712 spend permit whose nonce is keccak256 of a random 32-byte session
 * key made in the browser (lib/web/permit.ts). The browser keeps the key; each playground
 * request sends it with the permit id, and the server accepts the request only if the key
 * hashes to that permit's nonce. The key is thus a bearer secret bound to one permit (its cap
 * and expiry limit what it can spend), like an API key, but it needs no second signature. The
 * nonce becomes public once the permit settles; the key does not (keccak256 is one-way).
 *
 * The answer streams as server-sent events: `{ type: "delta", text }` as the model writes, then
 * `{ type: "done", ... }` with the price, inference id and attribution link, or
 * `{ type: "error", code, message }` if it failed after the stream began (charged if a delta had
 * been sent: the price is per call once output reached the client).
 */
import type { Address } from "viem";
import { z } from "zod";
import { errorBody, errorResponse, jsonResponse, parseInput, readJsonBody } from "@/lib/http";
import { attributionPath, streamInference } from "@/lib/inference/api";
import type { Gateway, InferenceRun } from "@/lib/inference/gateway";
import type { Payments } from "@/lib/payments";
import { paymentBody } from "@/lib/payments/api";
import { invalidRequest } from "@/lib/payments/errors";
import type { RateLimits } from "@/lib/rate-limits";
import type { PermitTerms } from "@/lib/wire/payments";
import type { PlaygroundStreamEventWire } from "@/lib/wire/playground";

/** Body of `POST /api/playground/chat`. */
export const playgroundChatSchema = z.object({
  /** Registry id of the model, decimal. */
  modelId: z
    .string()
    .regex(/^\d{1,20}$/, "a decimal model id")
    .transform(BigInt),
  /** The user's question. */
  question: z.string().trim().min(1, "must not be empty"),
  /** The permit the browser pays under. */
  permitId: z.uuid({ message: "not a valid id" }),
  /** The 32-byte session key whose keccak256 is the permit's nonce. */
  sessionKey: z
    .string()
    .regex(/^0x[0-9a-fA-F]{64}$/, "not a 32-byte hex key")
    .transform((v) => v.toLowerCase() as `0x${string}`),
});

/** What the playground needs of the server: the session check (lib/payments/sessions.ts) and the gateway. */
export type PlaygroundService = { payments: Pick<Payments, "payerOfSession">; gateway: Gateway; limits?: RateLimits };

/** `POST /api/playground/chat`: one paid inference for the holder of a permit's session key, streamed. */
export async function handlePlaygroundChat(request: Request, service: PlaygroundService | Promise<PlaygroundService>): Promise<Response> {
  let run: InferenceRun | undefined;
  try {
    const { payments, gateway } = await service;
    const body = parseInput(playgroundChatSchema, await readJsonBody(request, paymentBody), {
      what: "playground request",
      refuse: invalidRequest,
    });
    const payer = await payments.payerOfSession(body.permitId, body.sessionKey);
    await (await service).limits?.consume("payer", payer);
    run = await gateway.runInference({
      modelId: body.modelId,
      messages: [{ role: "user", content: body.question }],
      auth: { payer, permitId: body.permitId },
      signal: request.signal,
    });
    return streamRun(run);
  } catch (error) {
    await run?.cancel();
    return errorResponse(error);
  }
}

function streamRun(run: InferenceRun): Response {
  return streamInference(run, {
    delta: (text): PlaygroundStreamEventWire => ({ type: "delta", text }),
    done: (result): PlaygroundStreamEventWire[] => [
      {
        type: "done",
        inferenceId: result.inferenceId,
        settlementId: result.settlementSeq.toString(),
        price: result.price.toString(),
        payer: result.payer,
        attributionUrl: attributionPath(result.inferenceId),
        attributionHash: result.attribution.hash,
        payouts: result.payouts.map((p) => ({ payee: p.payee, amount: p.amount.toString() })),
      },
    ],
    uncharged: (result): PlaygroundStreamEventWire[] => [{ type: "uncharged", reason: result.reason, relevance: result.relevance }],
    error: (error, charged): PlaygroundStreamEventWire => ({
      ...errorBody(error).error,
      type: "error",
      ...(charged && { inferenceId: charged.id, price: charged.price.toString() }),
    }),
  });
}

/** `GET /api/playground/permit-terms`: the chain, market and spender a browser's permit must name. */
export function permitTermsResponse(deployment: { chainId: number; market: Address; settler: Address }): Response {
  const terms: PermitTerms = { chainId: deployment.chainId, market: deployment.market, spender: deployment.settler };
  return jsonResponse(terms);
}
