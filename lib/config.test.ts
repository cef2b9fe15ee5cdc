import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  ANVIL_SETTLER_PRIVATE_KEY,
  BackendKeyMissingError,
  BackendKeyNotAllowedError,
  backendKey,
  ConfigError,
  configTableMarkdown,
  configVariables,
  isUnderBaseUrl,
  loadConfig,
  requireSettlerKey,
} from "./config";

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfig", () => {
  it("runs the local marketplace with an empty environment", () => {
    const config = loadConfig({});
    expect(config.databaseUrl).toBeUndefined();
    expect(config.dataDir).toBe(".data");
    expect(config.deploymentFile).toBe(".data/deployment.json");
    expect(config.chainId).toBe(31337);
    expect(config.port).toBe(3000);
    expect(config.indexerUrl).toBe("http://127.0.0.1:42069");
    expect(config.settlerPrivateKey).toBe(ANVIL_SETTLER_PRIVATE_KEY);
    expect(config.public).toEqual({ chainId: 31337, rpcUrl: "http://127.0.0.1:8545" });
  });

  it("derives dependent defaults from the variables they follow", () => {
    const config = loadConfig({ DATA_DIR: "/var/upstream", INDEXER_PORT: "5000", RPC_URL: "https://rpc.example.org/" });
    expect(config.deploymentFile).toBe("/var/upstream/deployment.json");
    expect(config.indexerUrl).toBe("http://127.0.0.1:5000");
    expect(config.public.rpcUrl).toBe("https://rpc.example.org/");
  });

  it("reads every set variable", () => {
    const config = loadConfig({
      DATABASE_URL: "postgres://u@db:5432/upstream",
      CHAIN_ID: "8453",
      SETTLER_PRIVATE_KEY: `0x${"ab".repeat(32)}`,
      SETTLE_BATCH_SIZE: "50",
      SETTLE_MAX_WAIT_MS: "0",
      PROTOCOL_FEE_BPS: "250",
      MAX_PROMPT_CHARS: "2000",
      INDEXER_URL: "https://indexer.example.org/",
      PUBLIC_RPC_URL: "https://public.example.org",
      WALLETCONNECT_PROJECT_ID: "abc123",
    });
    expect(config).toMatchObject({
      databaseUrl: "postgres://u@db:5432/upstream",
      chainId: 8453,
      settleBatchSize: 50,
      settleMaxWaitMs: 0,
      protocolFeeBps: 250,
      maxPromptChars: 2000,
      indexerUrl: "https://indexer.example.org",
      public: { chainId: 8453, rpcUrl: "https://public.example.org", walletConnectProjectId: "abc123" },
    });
  });

  it("names the variable, the expectation and the bad value", () => {
    expect(configError({ PORT: "abc" }).message).toContain('PORT must be an integer 1-65535, got "abc"');
    expect(configError({ PORT: "70000" }).issues).toEqual([{ variable: "PORT", message: 'PORT must be an integer 1-65535, got "70000"' }]);
    expect(configError({ DATABASE_URL: "mysql://x" }).issues[0]!.variable).toBe("DATABASE_URL");
    // A URL may carry a password or an API key: it is never echoed.
    expect(configError({ DATABASE_URL: "mysql://user:hunter2@db/x" }).message).not.toContain("hunter2");
    expect(configError({ RPC_URL: "wss://rpc.example.org/v2/secret-key" }).message).not.toContain("secret-key");
    expect(configError({ RPC_URL: "localhost:8545" }).issues[0]!.message).toContain("RPC_URL must be an http(s) URL");
    expect(configError({ PROTOCOL_FEE_BPS: "10001" }).code).toBe("CONFIG_INVALID");
  });

  it("reports every bad variable at once", () => {
    const error = configError({ PORT: "-1", SETTLE_BATCH_SIZE: "0", CHAIN_ID: "one" });
    expect(error.issues.map((i) => i.variable).sort()).toEqual(["CHAIN_ID", "PORT", "SETTLE_BATCH_SIZE"]);
  });

  it("treats a blank value as unset", () => {
    expect(loadConfig({ PORT: "", DATABASE_URL: "  " })).toMatchObject({ port: 3000, databaseUrl: undefined });
  });

  it("gives the dev settler key only on the local chain", () => {
    const mainnet = loadConfig({ CHAIN_ID: "1" });
    expect(mainnet.settlerPrivateKey).toBeUndefined();
    expect(() => requireSettlerKey(mainnet)).toThrow(/SETTLER_PRIVATE_KEY is required on chain 1/);
    const key = `0x${"cd".repeat(32)}` as const;
    expect(requireSettlerKey(loadConfig({ CHAIN_ID: "1", SETTLER_PRIVATE_KEY: key }))).toBe(key);
    expect(requireSettlerKey(loadConfig({}))).toBe(ANVIL_SETTLER_PRIVATE_KEY);
  });

  it("never echoes a malformed key", () => {
    const secret = "0xnot-a-key-but-secret";
    const error = configError({ SETTLER_PRIVATE_KEY: secret });
    expect(error.message).toContain("SETTLER_PRIVATE_KEY must be a 0x-prefixed 32-byte hex private key");
    expect(error.message).not.toContain(secret);
  });

  it("collects backend keys by name and keeps them out of the public subset", () => {
    const config = loadConfig({
      BACKEND_KEY_OPENAI: "sk-1",
      BACKEND_URL_OPENAI: "https://api.openai.com/v1",
      BACKEND_KEY_LOCAL_VLLM: "tok",
      BACKEND_URL_LOCAL_VLLM: "http://127.0.0.1:8000/v1",
      BACKEND_KEY_EMPTY: "",
    });
    expect(config.backendKeys).toEqual({ OPENAI: "sk-1", LOCAL_VLLM: "tok" });
    expect(backendKey("OPENAI", "https://api.openai.com/v1/chat/completions", config)).toBe("sk-1");
    expect(() => backendKey("EMPTY", "https://api.openai.com/v1", config)).toThrow(BackendKeyMissingError);
    expect(JSON.stringify(config.public)).not.toContain("sk-1");
    expect(configError({ "BACKEND_KEY_bad-name": "x" }).issues[0]!.variable).toBe("BACKEND_KEY_bad-name");
  });

  it("binds each backend key to its BACKEND_URL_<NAME>: a key without one, or with a malformed one, is refused", () => {
    expect(configError({ BACKEND_KEY_OPENAI: "sk-1" }).issues).toEqual([
      {
        variable: "BACKEND_URL_OPENAI",
        message: "BACKEND_URL_OPENAI must be set to the base URL the key BACKEND_KEY_OPENAI may be sent to",
      },
    ]);
    const secret = "ftp://user:hunter2@example.com";
    const error = configError({ BACKEND_KEY_OPENAI: "sk-1", BACKEND_URL_OPENAI: secret });
    expect(error.message).toContain("BACKEND_URL_OPENAI must be an http(s) URL");
    expect(error.message).not.toContain("hunter2");
    expect(error.message).not.toContain("sk-1");
    const config = loadConfig({ BACKEND_KEY_OPENAI: "sk-1", BACKEND_URL_OPENAI: "https://api.openai.com/v1" });
    expect(config.backendKeyUrls).toEqual({ OPENAI: "https://api.openai.com/v1" });
    expect(() => backendKey("OPENAI", "https://attacker.example/v1/chat/completions", config)).toThrow(BackendKeyNotAllowedError);
  });

  it("admits only URLs under a base URL: same scheme, host and port, path at a segment boundary, no credentials", () => {
    const base = "https://api.example.com/v1";
    for (const url of ["https://api.example.com/v1", "https://api.example.com/v1/", "https://API.example.com:443/v1/chat/completions"]) {
      expect(isUnderBaseUrl(url, base), url).toBe(true);
    }
    for (const url of [
      "http://api.example.com/v1",
      "https://api.example.com:8443/v1",
      "https://api.example.com.evil.test/v1",
      "https://api.example.com@evil.test/v1",
      "https://user:pw@api.example.com/v1",
      "https://api.example.com/v1evil",
      "https://api.example.com/v1/../v2",
      "https://api.example.com/v1/%2e%2e/v2",
      "https://api.example.com/",
      "not a url",
    ]) {
      expect(isUnderBaseUrl(url, base), url).toBe(false);
    }
    expect(isUnderBaseUrl("http://127.0.0.1:11434/v1", "http://127.0.0.1:11434/")).toBe(true);
    expect(isUnderBaseUrl("http://127.0.0.1:11435/v1", "http://127.0.0.1:11434/")).toBe(false);
  });
});

describe("the configuration table in docs/stack.md", () => {
  const docPath = fileURLToPath(new URL("../docs/stack.md", import.meta.url));
  const start = "<!-- config-table:start -->";
  const end = "<!-- config-table:end -->";

  it("lists every variable loadConfig reads", () => {
    const source = readFileSync(fileURLToPath(new URL("./config.ts", import.meta.url)), "utf8");
    const readInSource = new Set([...source.matchAll(/(?:read\(|env\.)"?([A-Z_]{3,})/g)].map((m) => m[1]!));
    const listed = new Set(configVariables.map((v) => v.name));
    for (const name of readInSource) expect(listed, `${name} is read but not in configVariables`).toContain(name);
  });

  // UPDATE_DOCS=1 npx vitest run --project unit lib/config  rewrites the table in place.
  it("matches configVariables", () => {
    const doc = readFileSync(docPath, "utf8");
    const from = doc.indexOf(start);
    const to = doc.indexOf(end);
    expect(from, `docs/stack.md needs the markers ${start} … ${end}`).toBeGreaterThan(-1);
    expect(to, `docs/stack.md needs the markers ${start} … ${end}`).toBeGreaterThan(from);
    const table = `${start}\n${configTableMarkdown()}\n${end}`;
    const current = doc.slice(from, to + end.length);
    if (process.env.UPDATE_DOCS && current !== table) {
      writeFileSync(docPath, doc.slice(0, from) + table + doc.slice(to + end.length));
      return;
    }
    expect(current, "run UPDATE_DOCS=1 npx vitest run --project unit lib/config").toBe(table);
  });
});
