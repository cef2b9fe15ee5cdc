/**
 * Demo paid inferences through the real payment path, against a running stack: each demo payer
 * gets gas and a tUSD deposit on chain, signs an EIP-712 spend permit (registered through
 * `POST /api/permits`) and a wallet message for an API key (`POST /api/keys`), then asks the
 * demo models questions through the OpenAI-compatible API with the official `openai` SDK. The
 * settler inside the web server settles them; this waits until the indexer shows every charge.
 * Who pays and what they ask is the demo plan (scripts/demo-plan.ts).
 *
 * Nothing is written to the database from here: the web server owns it (embedded PGlite admits
 * one process). Whether a payer already asked is read from the app's API (its demo key has spent
 * something), so a restart asks nothing again and only waits for what is left to settle.
 */
import OpenAI from "openai";
import { formatUnits, getAddress, isAddressEqual, parseEther } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { z } from "zod";
import { testUsdAbi, upstreamMarketAbi } from "@/lib/chain/abis";
import { publicClientFor, walletClientFor } from "@/lib/chain/clients";
import type { Deployment } from "@/lib/chain/deploy";
import { deployerAccount } from "@/lib/chain/devAccounts";
import { signSpendPermit } from "@/lib/chain/permit";
import { createIndexerClient } from "@/lib/indexer/client";
import { apiKeyCreationMessage } from "@/lib/payments/messages";
import { waitMined } from "@/lib/publication/chain";
import { DEMO_DEPOSIT, DEMO_PERMIT_CAP, type DemoPayer, demoPayers, demoQuestionPlan, USD } from "./demo-plan";

/** The label of the API key each demo payer asks with; a spent key of this label means "already asked". */
export const DEMO_KEY_LABEL = "Demo questions";

/** An API key as `GET /api/keys` lists it (amounts as decimal strings). */
export type ListedApiKey = { label: string; spent: string; revokedAt: string | null };

/** Whether a payer still has to ask its questions: no demo key of it has been charged yet. */
export function needsQuestions(keys: readonly ListedApiKey[]): boolean {
  return !keys.some((k) => k.label === DEMO_KEY_LABEL && BigInt(k.spent) > 0n);
}

/** A step of the inference demo failed; `step` names it. */
export class InferenceSeedError extends Error {
  readonly code = "INFERENCE_SEED_FAILED";
  constructor(
    readonly step: string,
    reason: string,
  ) {
    super(`${step}: ${reason}`);
    this.name = "InferenceSeedError";
  }
}

/** Parameters of {@link seedInferences}. */
export type SeedInferencesParameters = {
  /** The running web app, e.g. http://localhost:3000. */
  url: string;
  /** The running indexer's API. */
  indexerUrl: string;
  /** anvil's JSON-RPC URL. */
  rpcUrl: string;
  /** The deployed contracts (a local deployment with the TestUSD faucet). */
  deployment: Deployment;
  /** Progress lines. */
  log?: (line: string) => void;
  /** Longest wait for the settlements to be indexed, in ms (default 180,000). */
  settleTimeoutMs?: number;
};

/** What {@link seedInferences} did. */
export type InferenceSeedReport = {
  /** Inferences asked by this run (0 when they had been asked before). */
  asked: number;
  /** Demo payers' inferences settled on chain and indexed. */
  settled: number;
  /** What the settled inferences charged, in token units. */
  charged: bigint;
  /** The explorer page of one of them. */
  explorerUrl?: string;
};

const permitsBody = z.object({
  permits: z.array(
    z.object({
      id: z.string(),
      spender: z.string(),
      nonce: z.string(),
      spent: z.string(),
      held: z.string(),
      remaining: z.string(),
      expired: z.boolean(),
    }),
  ),
});
const keysBody = z.object({ keys: z.array(z.object({ label: z.string(), spent: z.string(), revokedAt: z.string().nullable() })) });
const createdKeyBody = z.object({ key: z.string() });
const upstreamField = z.union([
  z.object({ charged: z.literal(true).optional(), inferenceId: z.string(), price: z.string() }),
  /** Nothing in the model's datanets matched the question: answered free, nothing to settle. */
  z.object({ charged: z.literal(false), reason: z.string() }),
]);

async function api<T extends z.ZodType>(step: string, url: string, schema: T, init?: RequestInit): Promise<z.output<T>> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, headers: { "content-type": "application/json", ...init?.headers } });
  } catch (error) {
    throw new InferenceSeedError(step, `${url} is unreachable: ${(error as Error).message}`);
  }
  const text = await response.text();
  if (!response.ok)
    throw new InferenceSeedError(step, `${init?.method ?? "GET"} ${url} answered ${response.status}: ${text.slice(0, 300)}`);
  const parsed = schema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new InferenceSeedError(step, `unexpected answer from ${url}: ${parsed.error.message}`);
  return parsed.data;
}

async function attempt<T>(step: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof InferenceSeedError) throw error;
    throw new InferenceSeedError(step, error instanceof Error ? error.message : String(error));
  }
}

/** Asks the demo questions (once) and waits until their settlements are indexed. */
export async function seedInferences(params: SeedInferencesParameters): Promise<InferenceSeedReport> {
  const { url, deployment } = params;
  const log = params.log ?? (() => undefined);
  const connection = { chainId: deployment.chainId, rpcUrl: params.rpcUrl };
  const client = publicClientFor(connection);
  const indexer = createIndexerClient({ url: params.indexerUrl });
  const payers = demoPayers();
  const plan = demoQuestionPlan(payers.length);
  if (!deployment.testToken) throw new InferenceSeedError("checking the deployment", "the demo needs the TestUSD faucet (a local chain)");

  const pending: DemoPayer[] = [];
  for (const payer of payers) {
    const keys = await api("reading the payer's API keys", `${url}/api/keys?payer=${payer.address}`, keysBody);
    if (needsQuestions(keys.keys)) pending.push(payer);
  }

  let asked = 0;
  let explorerUrl: string | undefined;
  if (pending.length > 0) {
    const openaiFor = (apiKey: string) => new OpenAI({ baseURL: `${url}/api/v1`, apiKey, maxRetries: 0, timeout: 60_000 });
    const models = await attempt("listing the models (GET /api/v1/models)", async () => {
      const list = await openaiFor("none").models.list();
      const byName = new Map<string, string>();
      for (const m of list.data) byName.set((m as unknown as { upstream?: { name?: string } }).upstream?.name ?? m.id, m.id);
      return byName;
    });
    for (const model of new Set(plan.map((q) => q.model))) {
      if (!models.has(model))
        throw new InferenceSeedError(
          "listing the models (GET /api/v1/models)",
          `the demo model "${model}" is not served (seed the demo marketplace first)`,
        );
    }

    const deployer = walletClientFor({ ...connection, privateKey: deployerAccount.privateKey });
    for (const payer of pending) {
      const who = `payer ${payer.address}`;
      const wallet = walletClientFor({ ...connection, privateKey: payer.privateKey });
      await attempt(`funding ${who} (gas and a tUSD deposit)`, async () => {
        if ((await client.getBalance({ address: payer.address })) < parseEther("1")) {
          await waitMined(client, await deployer.sendTransaction({ to: payer.address, value: parseEther("10") }));
        }
        const deposited = await client.readContract({
          address: deployment.market,
          abi: upstreamMarketAbi,
          functionName: "depositOf",
          args: [payer.address],
        });
        if (deposited >= DEMO_PERMIT_CAP) return;
        const write = async (call: Parameters<typeof wallet.writeContract>[0]) => waitMined(client, await wallet.writeContract(call));
        await write({ address: deployment.token, abi: testUsdAbi, functionName: "faucet", args: [DEMO_DEPOSIT] } as never);
        await write({
          address: deployment.token,
          abi: testUsdAbi,
          functionName: "approve",
          args: [deployment.market, DEMO_DEPOSIT],
        } as never);
        await write({ address: deployment.market, abi: upstreamMarketAbi, functionName: "deposit", args: [DEMO_DEPOSIT] } as never);
        log(`${who} deposited ${formatUnits(DEMO_DEPOSIT, 6)} tUSD`);
      });
    }
    // The app reads deposits through a cache of about a second: let it see the new ones.
    await new Promise((r) => setTimeout(r, 2_000));

    for (const payer of pending) {
      const who = `payer ${payer.address}`;
      const wallet = walletClientFor({ ...connection, privateKey: payer.privateKey });
      const permitId = await attempt(`signing and registering ${who}'s spend permit (POST /api/permits)`, async () => {
        const { permits } = await api("reading the payer's permits", `${url}/api/permits?payer=${payer.address}`, permitsBody);
        const usable = permits.find(
          (p) => isAddressEqual(getAddress(p.spender), deployment.settler) && !p.expired && BigInt(p.remaining) >= USD,
        );
        if (usable) return usable.id;
        const nonce = permits.reduce((max, p) => (BigInt(p.nonce) > max ? BigInt(p.nonce) : max), 0n) + 1n;
        const { timestamp } = await client.getBlock();
        const signed = await signSpendPermit({
          signer: privateKeyToAccount(payer.privateKey),
          chainId: deployment.chainId,
          market: deployment.market,
          permit: { payer: payer.address, spender: deployment.settler, cap: DEMO_PERMIT_CAP, expiry: timestamp + 30n * 86_400n, nonce },
        });
        const body = { ...signed, cap: signed.cap.toString(), expiry: signed.expiry.toString(), nonce: signed.nonce.toString() };
        const registered = await api("registering the permit", `${url}/api/permits`, z.object({ permit: z.object({ id: z.string() }) }), {
          method: "POST",
          body: JSON.stringify(body),
        });
        return registered.permit.id;
      });

      const apiKey = await attempt(`creating ${who}'s API key (POST /api/keys)`, async () => {
        const message = apiKeyCreationMessage({
          payer: payer.address,
          permitId,
          spendCap: DEMO_PERMIT_CAP,
          label: DEMO_KEY_LABEL,
          issuedAt: new Date().toISOString(),
        });
        const signature = await wallet.signMessage({ message });
        const body = { payer: payer.address, permitId, spendCap: DEMO_PERMIT_CAP.toString(), label: DEMO_KEY_LABEL, message, signature };
        return (await api("creating the key", `${url}/api/keys`, createdKeyBody, { method: "POST", body: JSON.stringify(body) })).key;
      });

      const openai = openaiFor(apiKey);
      const mine = plan.filter((q) => payers[q.payer] === payer);
      for (const q of mine) {
        const completion = await attempt(`asking ${q.model} "${q.question}" (POST /api/v1/chat/completions)`, () =>
          openai.chat.completions.create({
            model: models.get(q.model)!,
            messages: [{ role: "user", content: q.question }],
            max_tokens: 160,
          }),
        );
        const upstream = upstreamField.parse((completion as unknown as { upstream: unknown }).upstream);
        asked++;
        if (!("inferenceId" in upstream)) {
          log(
            `${asked}/${plan.filter((p) => pending.includes(payers[p.payer])).length} ${q.model}: ${q.question} → not charged (${upstream.reason})`,
          );
          continue;
        }
        explorerUrl ??= `${url}/explorer/${upstream.inferenceId}`;
        log(
          `${asked}/${plan.filter((p) => pending.includes(payers[p.payer])).length} ${q.model}: ${q.question} → ${formatUnits(BigInt(upstream.price), 6)} tUSD`,
        );
      }
    }
  }

  // Drained when, for every demo permit, what the chain charged (indexed) equals what the app committed.
  const deadline = Date.now() + (params.settleTimeoutMs ?? 180_000);
  let lastLog = 0;
  for (;;) {
    let committed = 0n;
    let settledAmount = 0n;
    await attempt("waiting for the settlements to be indexed", async () => {
      for (const payer of payers) {
        const { permits } = await api("reading the payer's permits", `${url}/api/permits?payer=${payer.address}`, permitsBody);
        for (const p of permits) {
          committed += BigInt(p.spent) + BigInt(p.held);
          settledAmount += (await indexer.getPermitSpend(payer.address, BigInt(p.nonce))).spent;
        }
      }
    });
    if (committed > 0n && settledAmount >= committed) break;
    if (committed === 0n) throw new InferenceSeedError("waiting for the settlements to be indexed", "the demo payers were charged nothing");
    if (Date.now() > deadline) {
      throw new InferenceSeedError(
        "waiting for the settlements to be indexed",
        `only ${formatUnits(settledAmount, 6)} of ${formatUnits(committed, 6)} tUSD settled after ${((params.settleTimeoutMs ?? 180_000) / 1000).toFixed(0)} s (see the web app's log for the settler)`,
      );
    }
    if (Date.now() - lastLog > 5_000) {
      log(`settled ${formatUnits(settledAmount, 6)} of ${formatUnits(committed, 6)} tUSD so far…`);
      lastLog = Date.now();
    }
    await new Promise((r) => setTimeout(r, 1_000));
  }

  let settled = 0;
  let charged = 0n;
  await attempt("reading the demo settlements from the indexer", async () => {
    for (const payer of payers) {
      for (let before: string | undefined; ; ) {
        const page = await indexer.listSettlements({ payer: payer.address, limit: 50, before });
        for (const s of page.settlements) {
          settled++;
          charged += s.price;
          explorerUrl ??= `${url}/explorer/${s.inferenceId}`;
        }
        if (!page.nextCursor) break;
        before = page.nextCursor;
      }
    }
  });
  return { asked, settled, charged, explorerUrl };
}
