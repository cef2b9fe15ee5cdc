"use client";
/**
 * The browser side of spend permits: read the payer's permits, sign a new one in the wallet
 * (EIP-712, one pop-up) and register it, and keep the permit's session key in this browser.
 *
 * The session key is how the playground pays without a pop-up per question: the permit's nonce
 * is keccak256 of a random 32-byte key that never leaves this browser except to our own API, so
 * the server can tell the permit's owner from anyone who merely knows its id (see
 * `app/api/playground/chat`). The signed permit itself names nothing else, so it stays exactly
 * the struct the market verifies.
 */
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useState } from "react";
import { type Address, bytesToHex, type Hex, keccak256 } from "viem";
import { useConfig } from "wagmi";
import { getAccount, getBlock, signTypedData, switchChain } from "wagmi/actions";
import type { z } from "zod";
import { spendPermitDomain, spendPermitTypes } from "@/lib/chain/permit";
import { readErrorBody } from "@/lib/wire/errors";
import { type PermitListAnswer, permitListAnswerSchema, permitTermsSchema, registeredPermitAnswerSchema } from "@/lib/wire/payments";
import { describeTransactionError } from "./errors";
import { usePublicConfig } from "./public-config-context";

/** A registered permit with its usage, as the browser sees it (amounts in token units). */
export type PermitView = {
  /** Server id (uuid). */
  id: string;
  /** The account charged. */
  payer: Address;
  /** Most that may be charged under it. */
  cap: bigint;
  /** Charged or committed for settlement. */
  spent: bigint;
  /** Held by inferences still running. */
  held: bigint;
  /** What is left to spend. */
  remaining: bigint;
  /** When nothing more may be charged. */
  expiry: Date;
  /** True once the expiry has passed. */
  expired: boolean;
  /** The signed nonce (keccak256 of the session key for permits signed here). */
  nonce: bigint;
  /** When it was registered. */
  createdAt: Date;
};

/** A stable payment error code and the server's message. */
export class PaymentRequestError extends Error {
  constructor(
    /** Stable code, e.g. `PERMIT_EXPIRED`. */
    readonly code: string,
    message: string,
    /** HTTP status. */
    readonly status = 0,
  ) {
    super(message);
    this.name = "PaymentRequestError";
  }
}

/** Reads JSON from our API and parses it with `schema`; an error answer becomes a PaymentRequestError. */
export async function fetchJson<S extends z.ZodType>(url: string, schema: S, init?: RequestInit): Promise<z.output<S>> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, headers: { "content-type": "application/json", ...init?.headers } });
  } catch {
    throw new PaymentRequestError("NETWORK_ERROR", "The server could not be reached.");
  }
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const error = readErrorBody(body);
    throw new PaymentRequestError(
      error?.code ?? "HTTP_ERROR",
      error?.message ?? `The server answered ${response.status}.`,
      response.status,
    );
  }
  return schema.parse(body);
}

function toPermitView(p: PermitListAnswer["permits"][number]): PermitView {
  return { ...p, expiry: new Date(Number(p.expiry) * 1000) };
}

/** The permit nonce that binds a session key: keccak256 of its bytes, as a uint256. */
export function sessionNonce(sessionKey: Hex): bigint {
  return BigInt(keccak256(sessionKey));
}

function storageKey(chainId: number, market: string, payer: string): string {
  return `upstream:permit-sessions:${chainId}:${market.toLowerCase()}:${payer.toLowerCase()}`;
}

function readSessions(key: string): Record<string, Hex> {
  try {
    const parsed = JSON.parse(localStorage.getItem(key) ?? "{}") as unknown;
    return parsed && typeof parsed === "object" ? (parsed as Record<string, Hex>) : {};
  } catch {
    return {};
  }
}

/** A usable permit of this browser: its view and the session key that spends it. */
export type PermitSession = { permit: PermitView; sessionKey: Hex };

/** The first permit (newest first) that is live, not used up and has its session key here. */
export function usableSession(permits: readonly PermitView[], sessions: Record<string, Hex>): PermitSession | null {
  for (const permit of permits) {
    const sessionKey = sessions[permit.id];
    if (permit.expired || permit.remaining === 0n || !sessionKey) continue;
    if (sessionNonce(sessionKey) !== permit.nonce) continue;
    return { permit, sessionKey };
  }
  return null;
}

/**
 * The payer's permits on this market (newest first) and the one this browser can spend without
 * a pop-up. Refreshes every few seconds: spending moves `spent` on the server.
 */
export function usePermits(payer: Address | undefined) {
  const { chainId, contracts } = usePublicConfig();
  const query = useQuery({
    queryKey: ["permits", payer],
    enabled: Boolean(payer && contracts),
    refetchInterval: 5_000,
    queryFn: async () => {
      const answer = await fetchJson(`/api/permits?payer=${payer}`, permitListAnswerSchema);
      return { permits: answer.permits.map(toPermitView), debt: answer.debt };
    },
  });
  const permits = query.data?.permits ?? [];
  const sessions = payer && contracts && typeof window !== "undefined" ? readSessions(storageKey(chainId, contracts.market, payer)) : {};
  const active = permits.find((p) => !p.expired && p.remaining > 0n) ?? null;
  return {
    permits,
    /** What the payer owes for inferences the market skipped for its doing (0 when nothing). */
    debt: query.data?.debt ?? 0n,
    active,
    session: usableSession(permits, sessions),
    isLoading: query.isLoading,
    error: query.error,
    refetch: query.refetch,
  };
}

/** Where signing a permit stands. */
export type PermitSigning =
  | { status: "idle" }
  | { status: "wallet" }
  | { status: "registering" }
  | { status: "done"; permit: PermitView }
  | { status: "failed"; code: string; message: string };

/** What to sign: a cap in token units and how long the permit lasts. */
export type SignPermitParameters = { cap: bigint; lifetimeSeconds: bigint };

/**
 * Signs a spend permit in the wallet (EIP-712 over the market's domain, the settler as spender,
 * expiry counted from the chain's clock) and registers it; keeps its session key in this browser.
 */
export function useSignPermit() {
  const config = useConfig();
  const queryClient = useQueryClient();
  const { chainId } = usePublicConfig();
  const [state, setState] = useState<PermitSigning>({ status: "idle" });

  const sign = useCallback(
    async ({ cap, lifetimeSeconds }: SignPermitParameters): Promise<PermitView | null> => {
      try {
        setState({ status: "wallet" });
        const account = getAccount(config);
        if (!account.address) throw new PaymentRequestError("NOT_CONNECTED", "Connect a wallet first.");
        if (account.chainId !== chainId) await switchChain(config, { chainId });
        const [terms, block] = await Promise.all([
          fetchJson("/api/playground/permit-terms", permitTermsSchema),
          getBlock(config, { chainId }),
        ]);
        const sessionKey = bytesToHex(crypto.getRandomValues(new Uint8Array(32)));
        // The chain's clock, not the browser's: a local chain may run ahead of wall time.
        const message = {
          payer: account.address,
          spender: terms.spender,
          cap,
          expiry: block.timestamp + lifetimeSeconds,
          nonce: sessionNonce(sessionKey),
        };
        const signature = await signTypedData(config, {
          account: account.address,
          domain: spendPermitDomain(terms.chainId, terms.market),
          types: spendPermitTypes,
          primaryType: "SpendPermit",
          message,
        });
        setState({ status: "registering" });
        const body = JSON.stringify({
          ...message,
          cap: cap.toString(),
          expiry: message.expiry.toString(),
          nonce: message.nonce.toString(),
          signature,
          chainId: terms.chainId,
          market: terms.market,
        });
        const { permit } = await fetchJson("/api/permits", registeredPermitAnswerSchema, { method: "POST", body });
        const key = storageKey(terms.chainId, terms.market, account.address);
        localStorage.setItem(key, JSON.stringify({ ...readSessions(key), [permit.id]: sessionKey }));
        const view = toPermitView({ ...permit, spent: 0n, held: 0n, remaining: permit.cap, expired: false });
        await queryClient.invalidateQueries({ queryKey: ["permits"] });
        setState({ status: "done", permit: view });
        return view;
      } catch (error) {
        const failure =
          error instanceof PaymentRequestError ? { code: error.code, message: error.message } : describeTransactionError(error);
        setState({ status: "failed", ...failure });
        return null;
      }
    },
    [config, queryClient, chainId],
  );
  const reset = useCallback(() => setState({ status: "idle" }), []);
  return { state, busy: state.status === "wallet" || state.status === "registering", sign, reset };
}

/** A payment error in words, and where to go to fix it. */
export type PaymentProblem = { message: string; action?: { href: string; label: string } };

/** Turns a stable error code of the payment and inference APIs into what the user should do. */
export function describePaymentProblem(code: string, serverMessage: string): PaymentProblem {
  switch (code) {
    case "INSUFFICIENT_BALANCE":
      return {
        message: "Your market deposit does not cover this price. Deposit more on the Dashboard.",
        action: { href: "/dashboard", label: "Deposit on the Dashboard" },
      };
    case "PAYER_IN_DEBT":
      return {
        message: "You owe for answers the market could not charge. Deposit enough to cover the debt and this price on the Dashboard.",
        action: { href: "/dashboard", label: "Deposit on the Dashboard" },
      };
    case "PERMIT_EXPIRED":
      return { message: "Your spend permit has expired. Sign a new spend permit." };
    case "PERMIT_EXHAUSTED":
      return { message: "Your spend permit's cap is used up. Sign a new spend permit with a higher cap." };
    case "PERMIT_MISSING":
      return { message: "There is no spend permit to pay with. Sign a spend permit first." };
    case "PERMIT_INVALID":
      return { message: `The market refused the permit: ${serverMessage}` };
    case "SESSION_INVALID":
      return { message: "This browser cannot spend that permit. Sign a new spend permit." };
    case "SPEND_CAP_EXCEEDED":
      return { message: "This API key's spend cap is used up. Create a new key with a higher cap." };
    case "API_KEY_REVOKED":
    case "API_KEY_INVALID":
      return { message: "That API key is not valid any more.", action: { href: "/keys", label: "Manage API keys" } };
    case "USER_REJECTED":
      return { message: "You rejected the request in your wallet." };
    case "MODEL_NOT_FOUND":
    case "MODEL_INACTIVE":
      return { message: "This model does not take inferences right now." };
    case "PROMPT_TOO_LONG":
      return { message: "The question is too long for this model." };
    case "NETWORK_ERROR":
      return { message: "The server could not be reached. Check your connection and try again." };
    default:
      return { message: serverMessage || "Something went wrong." };
  }
}
