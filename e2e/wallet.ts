import type { Page } from "playwright-core";
import { type Address, numberToHex } from "viem";

/** Options of {@link injectWallet}. */
export type InjectWalletOptions = {
  /** anvil's JSON-RPC URL; anvil's unlocked dev accounts sign what is forwarded to it. */
  rpcUrl: string;
  /** The account the wallet holds (one of anvil's unlocked dev accounts). */
  account: Address;
  /** The only chain the wallet is on. */
  chainId: number;
};

/** The Node side of a wallet injected into a page. */
export type InjectedWallet = {
  /** Whether the page has been granted the account. */
  readonly connected: boolean;
  /** Every JSON-RPC method the page called, in order (for assertions on what the app asked). */
  readonly calls: readonly string[];
  /** Makes the next call of `method` fail as if the user pressed "Reject" (EIP-1193 code 4001). */
  rejectNext(method: string): void;
};

type RpcError = { code: number; message: string; data?: unknown };
type BridgeAnswer = { result: unknown } | { error: RpcError };

// Methods that need the user's consent: refused (4100) until the page has been granted the account.
const needsAccount = new Set(["eth_sendTransaction", "eth_signTypedData_v4", "eth_sign", "personal_sign"]);

// Plain JavaScript on purpose: a TypeScript function would be serialised after the test runner's
// transform, which may wrap it in helpers the page does not have.
const providerScript = `(() => {
  const bridge = window.__upstreamWalletRequest;
  const listeners = new Map();
  const provider = {
    async request({ method, params }) {
      const reply = await bridge(method, params ?? []);
      if ("error" in reply) {
        const error = new Error(reply.error.message);
        error.code = reply.error.code;
        error.data = reply.error.data;
        throw error;
      }
      return reply.result;
    },
    on(event, listener) {
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event).add(listener);
      return provider;
    },
    removeListener(event, listener) {
      listeners.get(event)?.delete(listener);
      return provider;
    },
  };
  Object.defineProperty(window, "ethereum", { value: provider, configurable: true });
})();`;

/**
 * Injects an EIP-1193 provider as `window.ethereum` into every page load of `page`. Wallet
 * methods (accounts, permissions, chain switching) are answered in Node; everything else goes to
 * anvil, whose unlocked account signs transactions and typed data. Call before the first `goto`.
 */
export async function injectWallet(page: Page, options: InjectWalletOptions): Promise<InjectedWallet> {
  let connected = false;
  const calls: string[] = [];
  const rejections = new Set<string>();
  const chainIdHex = numberToHex(options.chainId);
  const permission = () => [
    { parentCapability: "eth_accounts", caveats: [{ type: "restrictReturnedAccounts", value: [options.account] }] },
  ];
  let rpcId = 0;

  async function forward(method: string, params: unknown[]): Promise<BridgeAnswer> {
    const response = await fetch(options.rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: ++rpcId, method, params }),
    });
    const body = (await response.json()) as { result?: unknown; error?: RpcError };
    return body.error ? { error: body.error } : { result: body.result ?? null };
  }

  async function answer(method: string, params: unknown[]): Promise<BridgeAnswer> {
    calls.push(method);
    if (rejections.delete(method)) return { error: { code: 4001, message: "User rejected the request." } };
    switch (method) {
      case "eth_requestAccounts":
        connected = true;
        return { result: [options.account] };
      case "eth_accounts":
        return { result: connected ? [options.account] : [] };
      case "eth_chainId":
        return { result: chainIdHex };
      case "net_version":
        return { result: String(options.chainId) };
      case "wallet_requestPermissions":
        connected = true;
        return { result: permission() };
      case "wallet_getPermissions":
        return { result: connected ? permission() : [] };
      case "wallet_revokePermissions":
        connected = false;
        return { result: null };
      case "wallet_switchEthereumChain": {
        const wanted = (params[0] as { chainId?: string } | undefined)?.chainId;
        return wanted?.toLowerCase() === chainIdHex
          ? { result: null }
          : { error: { code: 4902, message: `Unrecognized chain ID ${wanted}; this wallet is on ${options.chainId}.` } };
      }
      default:
        if (needsAccount.has(method) && !connected) {
          return { error: { code: 4100, message: "The requested account has not been authorized by the user." } };
        }
        return forward(method, params);
    }
  }

  // The bridge must exist before the init script runs, or the page's first request finds nothing.
  await page.exposeFunction("__upstreamWalletRequest", async (method: string, params: unknown[]) => {
    try {
      return await answer(method, params ?? []);
    } catch (error) {
      return { error: { code: -32603, message: (error as Error).message } };
    }
  });
  await page.addInitScript({ content: providerScript });

  return {
    get connected() {
      return connected;
    },
    calls,
    rejectNext(method) {
      rejections.add(method);
    },
  };
}
