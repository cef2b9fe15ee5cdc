/**
 * Every environment variable Upstream reads, validated in one place. The rest of the code takes
 * a `ServerConfig` (server side) or a `PublicConfig` (safe for the browser) and never touches
 * `process.env` itself.
 */
import { join } from "node:path";
import { z } from "zod";
import { UpstreamError } from "@/lib/errors";

/** anvil's dev account 1 (account 0 deploys); its key is public, so it is only ever a default on chain 31337. */
export const ANVIL_SETTLER_PRIVATE_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d" as const;

/** The chain id of a local anvil node. */
export const LOCAL_CHAIN_ID = 31337;

/** Prefix of the variables that hold keys of OpenAI-compatible backends, e.g. `BACKEND_KEY_OPENAI`. */
export const BACKEND_KEY_PREFIX = "BACKEND_KEY_";
/** Prefix of the variables that bind each backend key to the base URL it may be sent to, e.g. `BACKEND_URL_OPENAI`. */
export const BACKEND_URL_PREFIX = "BACKEND_URL_";

/** Settings the browser may see: nothing secret. */
export interface PublicConfig {
  /** EVM chain id the wallet must be on. */
  chainId: number;
  /** JSON-RPC URL the browser's wallet client reads the chain through. */
  rpcUrl: string;
  /** WalletConnect Cloud project id; absent means injected wallets only. */
  walletConnectProjectId?: string;
}

/** Settings of the server processes (web app, gateway, settler, scripts). */
export interface ServerConfig {
  /** PostgreSQL connection string; absent means the embedded PGlite under `dataDir`. */
  databaseUrl?: string;
  /** Folder for local state: the embedded databases and the deployment file. */
  dataDir: string;
  /** JSON-RPC URL of the chain the server reads and settles on. */
  rpcUrl: string;
  /** EVM chain id; transactions are signed for it. */
  chainId: number;
  /** JSON file with the deployed contract addresses (`lib/chain/deploy.ts` writes it). */
  deploymentFile: string;
  /** HTTP port of the web app. */
  port: number;
  /** HTTP port of the Ponder indexer. */
  indexerPort: number;
  /** Base URL of the indexer's API, without a trailing slash. */
  indexerUrl: string;
  /**
   * Private key of the account holding the settler role: anvil account 1 on the local chain,
   * absent elsewhere unless set. Whatever settles reads it through `requireSettlerKey`.
   */
  settlerPrivateKey?: `0x${string}`;
  /** Inferences per settlement transaction, at most. */
  settleBatchSize: number;
  /** Longest an inference waits in the outbox before a partial batch is sent, in milliseconds. */
  settleMaxWaitMs: number;
  /** Blocks a settlement's block must have (itself included) before its inferences count as settled. */
  settleConfirmations: number;
  /** How long a settlement transaction may wait unmined before it is replaced with a higher fee, in ms. */
  settleReplaceAfterMs: number;
  /** How many blocks back recorded settlements are re-checked for reorgs. */
  settleRecheckBlocks: number;
  /** The widest block range of one log query the settler sends. */
  settleLogRangeBlocks: number;
  /** The chain's block interval in ms: with the confirmations, part of the withdrawal delay's bound. */
  chainBlockTimeMs: number;
  /** Requests per minute allowed per API key, per payer and per client address (lib/rate-limits.ts). */
  rateLimits: { apiKey: number; payer: number; ip: number };
  /** Whether X-Forwarded-For names the client (the server sits behind a proxy that sets it). */
  trustProxy: boolean;
  /** Protocol fee in basis points of each inference's price, set on the market at deployment. */
  protocolFeeBps: number;
  /** Longest prompt the gateway accepts, in characters. */
  maxPromptChars: number;
  /** Keys of OpenAI-compatible backends by name (`BACKEND_KEY_<NAME>`); never stored or sent to a browser. */
  backendKeys: Readonly<Record<string, string>>;
  /**
   * The base URL (origin and path prefix) each backend key may be sent to, by the key's name
   * (`BACKEND_URL_<NAME>`): a model's endpoint must lie under it to use the key.
   */
  backendKeyUrls: Readonly<Record<string, string>>;
  /** The browser-safe subset. */
  public: PublicConfig;
}

/** One row of the configuration table in docs/stack.md. */
export interface ConfigVariable {
  /** Environment variable name (a `<NAME>` part stands for a family of variables). */
  name: string;
  /** Default, as written in the table; empty when the variable is optional without default. */
  default: string;
  /** What it sets. */
  description: string;
}

/** Every variable, in the table's order. `loadConfig` reads exactly these. */
export const configVariables: readonly ConfigVariable[] = [
  {
    name: "DATABASE_URL",
    default: "",
    description: "PostgreSQL connection string for the app and the indexer. Unset: embedded PGlite under `DATA_DIR`.",
  },
  {
    name: "DATA_DIR",
    default: ".data",
    description: "Folder for local state: embedded databases (`db/`, `ponder/`) and the deployment file.",
  },
  { name: "RPC_URL", default: "http://127.0.0.1:8545", description: "JSON-RPC URL of the chain (anvil locally)." },
  { name: "PUBLIC_RPC_URL", default: "`RPC_URL`", description: "JSON-RPC URL the browser uses, when it differs from the server's." },
  { name: "CHAIN_ID", default: String(LOCAL_CHAIN_ID), description: "EVM chain id." },
  {
    name: "DEPLOYMENT_FILE",
    default: "`<DATA_DIR>/deployment.json`",
    description: "Deployed contract addresses, written by `npm run deploy`.",
  },
  { name: "PORT", default: "3000", description: "HTTP port of the web app." },
  { name: "INDEXER_PORT", default: "42069", description: "HTTP port of the Ponder indexer." },
  { name: "INDEXER_URL", default: "`http://127.0.0.1:<INDEXER_PORT>`", description: "Base URL the app reads indexed chain data from." },
  {
    name: "SETTLER_PRIVATE_KEY",
    default: "anvil account 1 (chain 31337 only)",
    description: "Key of the settler account that submits settlement batches. Required to settle on any other chain.",
  },
  { name: "SETTLE_BATCH_SIZE", default: "100", description: "Inferences per settlement transaction, at most (1-1000)." },
  { name: "SETTLE_MAX_WAIT_MS", default: "2000", description: "Longest an inference waits before a partial batch is settled, in ms." },
  {
    name: "SETTLE_CONFIRMATIONS",
    default: "1",
    description:
      "Blocks a settlement's block must have, itself included, before its inferences count as settled (1-1000; raise it on chains that reorg).",
  },
  {
    name: "SETTLE_REPLACE_AFTER_MS",
    default: "30000",
    description: "How long a settlement transaction may wait unmined before it is replaced with a higher fee, in ms.",
  },
  { name: "SETTLE_RECHECK_BLOCKS", default: "64", description: "How many blocks back recorded settlements are re-checked for reorgs." },
  {
    name: "SETTLE_LOG_RANGE_BLOCKS",
    default: "5000",
    description: "Widest block range of one log query the settler sends (keep it under the RPC provider's limit).",
  },
  {
    name: "CHAIN_BLOCK_TIME_MS",
    default: "2000",
    description:
      "The chain's block interval in ms; with `SETTLE_CONFIRMATIONS` it is part of the shortest withdrawal delay `npm run deploy` accepts.",
  },
  {
    name: "RATE_LIMIT_API_KEY_PER_MINUTE",
    default: "6000",
    description: "Requests a minute one API key may send to `/api/v1/chat/completions`; over it: 429 `RATE_LIMITED` with `Retry-After`.",
  },
  { name: "RATE_LIMIT_PAYER_PER_MINUTE", default: "120", description: "Playground questions a minute per payer's permit." },
  {
    name: "RATE_LIMIT_IP_PER_MINUTE",
    default: "120",
    description: "Costly unauthenticated requests (Verify) a minute per client address — per server unless `TRUST_PROXY` is set.",
  },
  {
    name: "TRUST_PROXY",
    default: "false",
    description: "`true` when a proxy in front sets `X-Forwarded-For`: the per-address limit then counts each client apart.",
  },
  { name: "PROTOCOL_FEE_BPS", default: "250", description: "Protocol fee in basis points of each price (0-10000), set at deployment." },
  { name: "MAX_PROMPT_CHARS", default: "8000", description: "Longest prompt the gateway accepts, in characters." },
  { name: "WALLETCONNECT_PROJECT_ID", default: "", description: "WalletConnect Cloud project id. Unset: injected browser wallets only." },
  {
    name: `${BACKEND_KEY_PREFIX}<NAME>`,
    default: "",
    description:
      "API key of an OpenAI-compatible backend; a model names the key by `<NAME>`. Never stored in the database or sent to the browser. Requires `BACKEND_URL_<NAME>`.",
  },
  {
    name: `${BACKEND_URL_PREFIX}<NAME>`,
    default: "required with the key",
    description:
      "Base URL (origin and path prefix, e.g. `https://api.openai.com/v1`) the key `BACKEND_KEY_<NAME>` may be sent to; a model naming the key must have its endpoint under it, or it is refused.",
  },
];

/** One bad variable. */
export interface ConfigIssue {
  /** The environment variable. */
  variable: string;
  /** What is wrong with it, in a full sentence naming the variable. */
  message: string;
}

/** The environment does not form a valid configuration; `issues` names every bad variable. */
export class ConfigError extends UpstreamError {
  readonly code = "CONFIG_INVALID";
  readonly status = 500;
  constructor(readonly issues: readonly ConfigIssue[]) {
    super(`Invalid configuration:\n${issues.map((i) => `  - ${i.message}`).join("\n")}`);
  }
}

/**
 * A model names a backend key but its endpoint lies outside the base URL the key is configured
 * for (`BACKEND_URL_<NAME>`): the key is never sent there. The gateway refuses it before anything
 * is held (409); a model draft naming such a key is refused too (400).
 */
export class BackendKeyNotAllowedError extends UpstreamError {
  readonly code = "BACKEND_KEY_NOT_ALLOWED";
  constructor(
    readonly keyName: string,
    // A stored model conflicting with the server's settings is a 409 (as MODEL_TERMS_INVALID);
    // a model being drafted is a bad input, a 400.
    readonly status: 400 | 409 = 409,
  ) {
    // Neither the key nor its configured URL is echoed: the URL is the operator's, not the caller's.
    super(
      `The model's backend endpoint is not under the URL the server's key "${keyName}" is configured for (${BACKEND_URL_PREFIX}${keyName}); the key is sent nowhere else.`,
      { param: "backend" },
    );
  }
}

/** A model names a backend key that the server's environment does not hold. */
export class BackendKeyMissingError extends UpstreamError {
  readonly code = "BACKEND_KEY_MISSING";
  // The server's configuration lacks what a model needs: unavailable, not a crash.
  readonly status = 503;
  constructor(readonly keyName: string) {
    super(`Backend key "${keyName}" is not configured: set ${BACKEND_KEY_PREFIX}${keyName} in the server's environment`);
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** A blank value counts as unset, so `PORT=` in a .env file falls back to the default. */
const present = (value: string | undefined): string | undefined => (value === undefined || value.trim() === "" ? undefined : value.trim());

const integer = (min: number, max: number) => z.string().regex(/^\d+$/).transform(Number).pipe(z.number().int().min(min).max(max));

const httpUrl = z.url({ protocol: /^https?$/ });
const booleanFlag = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");
const postgresUrl = z.url({ protocol: /^postgres(ql)?$/ });
const privateKey = z
  .string()
  .regex(/^0x[0-9a-fA-F]{64}$/)
  .transform((k) => k as `0x${string}`);
const keyName = /^[A-Z0-9_]+$/;

/** What each kind of value must look like, phrased for the error message. */
const expectations = {
  port: "an integer 1-65535",
  chainId: "a positive integer chain id",
  httpUrl: "an http(s) URL",
  postgresUrl: "a postgres:// or postgresql:// URL",
  privateKey: "a 0x-prefixed 32-byte hex private key",
  batchSize: "an integer 1-1000",
  waitMs: "an integer 0-3600000 (milliseconds)",
  bps: "an integer 0-10000 (basis points)",
  promptChars: "an integer 1-10000000",
  confirmations: "an integer 1-1000",
  perMinute: "an integer 1-1000000 (requests a minute)",
  boolean: "true or false",
  blocks: "an integer 1-1000000",
};

/**
 * Reads and validates the configuration from `env` (default `process.env`). Pure: the same env
 * gives the same result. Throws `ConfigError` listing every bad variable at once.
 */
export function loadConfig(env: Env = process.env): ServerConfig {
  const issues: ConfigIssue[] = [];

  function read<T>(name: string, schema: z.ZodType<T, string>, expected: string): T | undefined;
  function read<T>(name: string, schema: z.ZodType<T, string>, expected: string, fallback: T): T;
  function read<T>(name: string, schema: z.ZodType<T, string>, expected: string, fallback?: T): T | undefined {
    const raw = present(env[name]);
    if (raw === undefined) return fallback;
    const parsed = schema.safeParse(raw);
    if (parsed.success) return parsed.data;
    // A key, or a URL (which may carry a password or an API key), is never echoed into logs or answers.
    const shown = name.includes("KEY") || name.endsWith("_URL") ? `a value of ${raw.length} characters` : JSON.stringify(raw);
    issues.push({ variable: name, message: `${name} must be ${expected}, got ${shown}` });
    return fallback;
  }

  const dataDir = present(env.DATA_DIR) ?? ".data";
  const chainId = read("CHAIN_ID", integer(1, Number.MAX_SAFE_INTEGER), expectations.chainId, LOCAL_CHAIN_ID);
  const rpcUrl = read("RPC_URL", httpUrl, expectations.httpUrl, "http://127.0.0.1:8545");
  const indexerPort = read("INDEXER_PORT", integer(1, 65535), expectations.port, 42069);

  const settlerPrivateKey =
    read("SETTLER_PRIVATE_KEY", privateKey, expectations.privateKey) ??
    (chainId === LOCAL_CHAIN_ID && present(env.SETTLER_PRIVATE_KEY) === undefined ? ANVIL_SETTLER_PRIVATE_KEY : undefined);

  const backendKeys: Record<string, string> = {};
  const backendKeyUrls: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(BACKEND_KEY_PREFIX)) continue;
    const keyNamePart = name.slice(BACKEND_KEY_PREFIX.length);
    const key = present(value);
    if (!keyName.test(keyNamePart)) {
      issues.push({ variable: name, message: `${name} must be named ${BACKEND_KEY_PREFIX}<NAME> with NAME of A-Z, 0-9 and _` });
    } else if (key !== undefined) {
      // A key without the URL it is meant for would go wherever a model owner points it: refused.
      const urlName = `${BACKEND_URL_PREFIX}${keyNamePart}`;
      const url = present(env[urlName]);
      if (url === undefined) {
        issues.push({ variable: urlName, message: `${urlName} must be set to the base URL the key ${name} may be sent to` });
      } else if (!httpUrl.safeParse(url).success) {
        issues.push({ variable: urlName, message: `${urlName} must be ${expectations.httpUrl}, got a value of ${url.length} characters` });
      } else {
        backendKeys[keyNamePart] = key;
        backendKeyUrls[keyNamePart] = url;
      }
    }
  }

  const walletConnectProjectId = present(env.WALLETCONNECT_PROJECT_ID);
  const config: ServerConfig = {
    databaseUrl: read("DATABASE_URL", postgresUrl, expectations.postgresUrl),
    dataDir,
    rpcUrl,
    chainId,
    deploymentFile: present(env.DEPLOYMENT_FILE) ?? join(dataDir, "deployment.json"),
    port: read("PORT", integer(1, 65535), expectations.port, 3000),
    indexerPort,
    indexerUrl: read("INDEXER_URL", httpUrl, expectations.httpUrl, `http://127.0.0.1:${indexerPort}`).replace(/\/+$/, ""),
    ...(settlerPrivateKey ? { settlerPrivateKey } : {}),
    settleBatchSize: read("SETTLE_BATCH_SIZE", integer(1, 1000), expectations.batchSize, 100),
    settleMaxWaitMs: read("SETTLE_MAX_WAIT_MS", integer(0, 3_600_000), expectations.waitMs, 2000),
    settleConfirmations: read("SETTLE_CONFIRMATIONS", integer(1, 1000), expectations.confirmations, 1),
    settleReplaceAfterMs: read("SETTLE_REPLACE_AFTER_MS", integer(0, 3_600_000), expectations.waitMs, 30_000),
    settleRecheckBlocks: read("SETTLE_RECHECK_BLOCKS", integer(1, 1_000_000), expectations.blocks, 64),
    settleLogRangeBlocks: read("SETTLE_LOG_RANGE_BLOCKS", integer(1, 1_000_000), expectations.blocks, 5000),
    chainBlockTimeMs: read("CHAIN_BLOCK_TIME_MS", integer(0, 3_600_000), expectations.waitMs, 2000),
    rateLimits: {
      apiKey: read("RATE_LIMIT_API_KEY_PER_MINUTE", integer(1, 1_000_000), expectations.perMinute, 6000),
      payer: read("RATE_LIMIT_PAYER_PER_MINUTE", integer(1, 1_000_000), expectations.perMinute, 120),
      ip: read("RATE_LIMIT_IP_PER_MINUTE", integer(1, 1_000_000), expectations.perMinute, 120),
    },
    trustProxy: read("TRUST_PROXY", booleanFlag, expectations.boolean, false),
    protocolFeeBps: read("PROTOCOL_FEE_BPS", integer(0, 10_000), expectations.bps, 250),
    maxPromptChars: read("MAX_PROMPT_CHARS", integer(1, 10_000_000), expectations.promptChars, 8000),
    backendKeys: Object.freeze(backendKeys),
    backendKeyUrls: Object.freeze(backendKeyUrls),
    public: {
      chainId,
      rpcUrl: read("PUBLIC_RPC_URL", httpUrl, expectations.httpUrl, rpcUrl),
      ...(walletConnectProjectId ? { walletConnectProjectId } : {}),
    },
  };
  if (issues.length > 0) throw new ConfigError(issues);
  return config;
}

let cached: ServerConfig | undefined;

/** The process's configuration, read from `process.env` once and then cached. */
export function config(): ServerConfig {
  cached ??= loadConfig();
  return cached;
}

/**
 * The settler's key; throws `ConfigError` when SETTLER_PRIVATE_KEY is unset on a chain other
 * than the local one (only anvil's public dev key can be a default).
 */
export function requireSettlerKey(from: ServerConfig): `0x${string}` {
  if (from.settlerPrivateKey) return from.settlerPrivateKey;
  throw new ConfigError([
    {
      variable: "SETTLER_PRIVATE_KEY",
      message: `SETTLER_PRIVATE_KEY is required on chain ${from.chainId} (only the local chain ${LOCAL_CHAIN_ID} has a default)`,
    },
  ]);
}

/**
 * The key of an OpenAI-compatible backend by the name a model stores, for a request to
 * `endpoint`; throws `BackendKeyMissingError` when the key is not configured and
 * `BackendKeyNotAllowedError` when `endpoint` is not under the key's `BACKEND_URL_<NAME>`.
 */
export function backendKey(name: string, endpoint: string, from: ServerConfig): string {
  const key = from.backendKeys[name];
  const base = from.backendKeyUrls[name];
  if (key === undefined || base === undefined) throw new BackendKeyMissingError(name);
  if (!isUnderBaseUrl(endpoint, base)) throw new BackendKeyNotAllowedError(name);
  return key;
}

/**
 * Whether `url` lies under `base`: the same scheme, host and port, no credentials, and a path
 * equal to the base's path or below it at a segment boundary (`/v1` admits `/v1/chat`, not
 * `/v1evil`). Both are parsed as fetch parses them, so `..`, `%2e%2e` and `user@host` tricks
 * resolve before the comparison.
 */
export function isUnderBaseUrl(url: string, base: string): boolean {
  let target: URL;
  let allowed: URL;
  try {
    target = new URL(url);
    allowed = new URL(base);
  } catch {
    return false;
  }
  if (target.protocol !== allowed.protocol || target.host !== allowed.host) return false;
  if (target.username || target.password) return false;
  const prefix = allowed.pathname.replace(/\/+$/, "");
  return target.pathname === prefix || target.pathname.startsWith(`${prefix}/`);
}

/** The configuration table of docs/stack.md, as Markdown, generated from `configVariables`. */
export function configTableMarkdown(): string {
  const cell = (text: string) => text.replace(/\|/g, "\\|");
  // A literal default is shown as code; a described one ("anvil account 1 …") as prose.
  const shown = (d: string) => (!d ? "—" : d.includes("`") || d.includes(" ") ? cell(d) : `\`${d}\``);
  const rows = configVariables.map((v) => `| \`${v.name}\` | ${shown(v.default)} | ${cell(v.description)} |`);
  return ["| variable | default | what it sets |", "| --- | --- | --- |", ...rows].join("\n");
}
