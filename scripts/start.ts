/**
 * `npm start [-- --fresh]`: the whole local marketplace in one command (see scripts/stack).
 * Prints the URL, the network settings and the dev accounts to import into a wallet, then runs
 * until Ctrl-C, which stops every child process. `--fresh` deletes the persisted state first.
 */
import { parseArgs } from "node:util";
import { formatUnits } from "viem";
import { testUsdAbi } from "@/lib/chain/abis";
import { publicClientFor } from "@/lib/chain/clients";
import { devAccounts } from "@/lib/chain/devAccounts";
import { ConfigError, loadConfig } from "@/lib/config";
import { type RunningStack, StackStoppedError, StepFailedError, StepRunner, startStack } from "./stack";

const USAGE = `Usage: npm start [-- --fresh] [-- --no-seed]

  --fresh     delete the persisted state first (the chain, the database, the indexer's data and
              the deployment under DATA_DIR; with DATABASE_URL, that database's public and
              drizzle schemas)
  --no-seed   do not seed the demo marketplace
  --help      this text

Settings come from the environment (see the configuration table in docs/stack.md).`;

function parseCommandLine(argv: string[]): { fresh: boolean; seed: boolean } {
  const { values } = parseArgs({
    args: argv,
    options: {
      fresh: { type: "boolean", default: false },
      "no-seed": { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  return { fresh: values.fresh === true, seed: values["no-seed"] !== true };
}

async function printWelcome(stack: RunningStack): Promise<void> {
  const client = publicClientFor({ chainId: stack.chainId, rpcUrl: stack.rpcUrl });
  const balances = await Promise.all(
    devAccounts.map((a) =>
      client
        .readContract({ address: stack.deployment.token, abi: testUsdAbi, functionName: "balanceOf", args: [a.address] })
        .catch(() => 0n),
    ),
  );
  const lines = [
    "",
    `Upstream is running: ${stack.url}`,
    "",
    "Network for your wallet (e.g. MetaMask → Add network manually):",
    `  Network name     Upstream local (anvil)`,
    `  RPC URL          ${stack.rpcUrl}`,
    `  Chain ID         ${stack.chainId}`,
    `  Currency symbol  ETH`,
    `  Payment token    tUSD (6 decimals) at ${stack.deployment.token}`,
    `  Registry ${stack.deployment.registry} · Market ${stack.deployment.market}`,
    "",
    "Dev accounts (anvil's public test keys — never use them on a real chain). Import one into your wallet:",
    ...devAccounts.map(
      (a, i) => `  #${a.index} ${a.label.padEnd(8)} ${a.address}  ${a.privateKey}  ${formatUnits(balances[i], 6).replace(/\.0$/, "")} tUSD`,
    ),
    "  #0 deploys and collects protocol fees, #1 settles payments; #2-#9 own and contribute the demo datanets and models.",
    "",
    `Logs: ${Object.values(stack.logs).join(", ")}`,
    "Ctrl-C stops everything; `npm start` again resumes where you left off; `npm start -- --fresh` starts over.",
    "",
  ];
  console.log(lines.join("\n"));
}

async function main(): Promise<void> {
  let args: { fresh: boolean; seed: boolean };
  try {
    args = parseCommandLine(process.argv.slice(2));
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    process.exit(2);
  }
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`npm start: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }

  const started = Date.now();
  console.log(
    `Starting Upstream (DATA_DIR ${config.dataDir}${config.databaseUrl ? ", DATABASE_URL set" : ""})${args.fresh ? " from scratch" : ""}`,
  );
  const runner = new StepRunner((line) => console.log(line));
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping every process…`);
    await runner.stopAll();
    console.log("stopped.");
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("Ctrl-C"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGHUP", () => void stop("SIGHUP"));

  try {
    const stack = await startStack({ config, fresh: args.fresh, seed: args.seed, runner, progress: (line) => console.log(line) });
    console.log(`  ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    await printWelcome(stack);
  } catch (error) {
    if (error instanceof StackStoppedError || stopping) return;
    if (error instanceof StepFailedError) {
      console.error(`\nnpm start failed while ${error.step}; everything it had started is stopped.`);
      process.exit(1);
    }
    console.error(error);
    await runner.stopAll();
    process.exit(1);
  }
}

await main();
