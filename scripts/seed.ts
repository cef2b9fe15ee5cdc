/**
 * The demo marketplace: datanets of real public-domain text contributed on chain by several dev
 * accounts, and models over them, each a real transaction with a stake. No payments or
 * inferences are made here: those come only through the real payment path.
 *
 * Seeding reconciles the deterministic plan (scripts/demo-plan.ts) with the chain: whatever the
 * registry already holds (matched by metadata URI, contributor and Merkle root) is not sent again,
 * and whatever is on chain but missing from the database (a crash between a transaction and its
 * storage) is stored from the plan. So a second run sends nothing, and an interrupted run resumes.
 *
 * `npx tsx scripts/seed.ts` seeds the configured chain and database (DATA_DIR, DATABASE_URL,
 * RPC_URL, DEPLOYMENT_FILE); `npm start` runs it for you.
 */
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type Address, type Hex, isAddressEqual } from "viem";
import type { DbOrTransaction } from "@/db/client";
import { contributions as contributionsTable } from "@/db/schema";
import { testUsdAbi, upstreamRegistryAbi } from "@/lib/chain/abis";
import { publicClientFor, walletClientFor } from "@/lib/chain/clients";
import { type Deployment, readDeployment } from "@/lib/chain/deploy";
import { devAccounts } from "@/lib/chain/devAccounts";
import { type ContributionDraft, contributeRecords, contributionPublication, prepareContribution } from "@/lib/datanets/contribute";
import { datanetMetadataUri } from "@/lib/datanets/metadata";
import { datanetPublication, publishDatanet } from "@/lib/datanets/publish";
import { modelMetadataUri } from "@/lib/models/metadata";
import { modelPublication, publishModel } from "@/lib/models/publish";
import { type ChainReader, type ChainWallet, waitMined } from "@/lib/publication/chain";
import { DEMO_ACCOUNT_INDEXES, type DemoPlan, demoPlan, USD } from "./demo-plan";

/** Parameters of {@link seedDemo}. */
export type SeedDemoParameters = {
  /** The app database (migrated). */
  db: DbOrTransaction;
  /** JSON-RPC URL of the chain. */
  rpcUrl: string;
  /** The deployed contracts. */
  deployment: Deployment;
  /** The plan (default {@link demoPlan}()). */
  plan?: DemoPlan;
  /** Progress lines. */
  log?: (line: string) => void;
};

/** What a seed run did. */
export type SeedReport = {
  /** Planned datanets, contributions, records and models (all present after the run). */
  datanets: number;
  contributions: number;
  records: number;
  models: number;
  /** Transactions this run sent (0 when everything was already seeded). */
  transactions: number;
  /** Items found on chain but missing from the database, stored from the plan. */
  recovered: number;
};

/** Seeding needs the test token's faucet to fund stakes. */
export class SeedError extends Error {
  readonly code = "SEED_FAILED";
}

type Logs<T> = { args: T; transactionHash: Hex }[];

/**
 * Publishes whatever of the plan the chain does not hold yet and stores whatever the database
 * lacks. Idempotent and resumable (see the file comment).
 */
export async function seedDemo(params: SeedDemoParameters): Promise<SeedReport> {
  const { db, deployment } = params;
  const log = params.log ?? (() => {});
  const plan = params.plan ?? demoPlan();
  const connection = { chainId: deployment.chainId, rpcUrl: params.rpcUrl };
  const client = publicClientFor(connection);
  const registry = { client, registry: deployment.registry };
  const wallets = new Map<number, ChainWallet>();
  const wallet = (index: number): ChainWallet => {
    let w = wallets.get(index);
    if (!w) wallets.set(index, (w = walletClientFor({ ...connection, privateKey: devAccounts[index].privateKey })));
    return w;
  };
  const address = (index: number): Address => devAccounts[index].address;
  const report: SeedReport = { datanets: 0, contributions: 0, records: 0, models: 0, transactions: 0, recovered: 0 };
  const txBefore = await sentTransactions(client);

  const events = async <N extends "DatanetPublished" | "ContributionAdded" | "ModelPublished">(eventName: N) =>
    (await client.getContractEvents({
      address: deployment.registry,
      abi: upstreamRegistryAbi,
      eventName,
      fromBlock: BigInt(deployment.startBlock),
      toBlock: "latest",
      strict: true,
    })) as unknown as Logs<EventArgs[N]>;

  const [publishedDatanets, addedContributions, publishedModels] = await Promise.all([
    events("DatanetPublished"),
    events("ContributionAdded"),
    events("ModelPublished"),
  ]);
  const storedContributionIds = new Set((await db.select({ id: contributionsTable.id }).from(contributionsTable)).map((r) => r.id));

  const missingOnChain =
    plan.datanets.some((d) => !publishedDatanets.some((e) => e.args.metadataURI === datanetMetadataUri(d.metadata))) ||
    plan.models.some((m) => !publishedModels.some((e) => e.args.metadataURI === modelMetadataUri(m.metadata)));
  if (missingOnChain) await fundDemoAccounts(client, deployment, wallet, log);

  const datanetIds = new Map<string, bigint>();
  for (const planned of plan.datanets) {
    const uri = datanetMetadataUri(planned.metadata);
    const onChain = publishedDatanets.find((e) => e.args.metadataURI === uri && isAddressEqual(e.args.owner, address(planned.owner)));
    let id: bigint;
    if (onChain) {
      const txHash = onChain.transactionHash;
      const stored = await datanetPublication.confirm({ db, ...registry, txHash, draftFor: () => planned.metadata });
      if (stored.created) report.recovered++;
      id = stored.id;
    } else {
      log(`publishing datanet "${planned.metadata.name}"`);
      id = (
        await publishDatanet({
          db,
          ...registry,
          wallet: wallet(planned.owner),
          token: deployment.token,
          metadata: planned.metadata,
          stake: planned.stake,
        })
      ).id;
    }
    datanetIds.set(planned.key, id);
    report.datanets++;

    let sent = 0;
    for (const contribution of planned.contributions) {
      const contributor = address(contribution.contributor);
      const prepared = prepareContribution(contribution.records, contributor);
      const onChainContribution = addedContributions.find(
        (e) => e.args.datanetId === id && isAddressEqual(e.args.contributor, contributor) && e.args.merkleRoot === prepared.merkleRoot,
      );
      if (!onChainContribution) {
        await contributeRecords({
          db,
          ...registry,
          wallet: wallet(contribution.contributor),
          datanetId: id,
          records: contribution.records,
        });
        sent++;
      } else if (!storedContributionIds.has(onChainContribution.args.contributionId)) {
        const draft: ContributionDraft = { ...prepared, datanetId: id, contributor };
        await contributionPublication.confirm({ db, ...registry, txHash: onChainContribution.transactionHash, draftFor: () => draft });
        report.recovered++;
      }
      report.contributions++;
      report.records += prepared.recordCount;
    }
    if (sent > 0)
      log(
        `  ${sent} contributions to "${planned.metadata.name}" from ${new Set(planned.contributions.map((c) => c.contributor)).size} accounts`,
      );
  }

  for (const planned of plan.models) {
    const uri = modelMetadataUri(planned.metadata);
    const onChain = publishedModels.find((e) => e.args.metadataURI === uri && isAddressEqual(e.args.owner, address(planned.owner)));
    if (onChain) {
      const stored = await modelPublication.confirm({ db, ...registry, txHash: onChain.transactionHash, draftFor: () => planned.metadata });
      if (stored.created) report.recovered++;
    } else {
      log(`publishing model "${planned.metadata.name}"`);
      const datanetIdsOfModel = planned.datanets.map((key) => {
        const datanetId = datanetIds.get(key);
        if (datanetId === undefined) throw new SeedError(`model "${planned.metadata.name}" names unknown datanet "${key}"`);
        return datanetId;
      });
      await publishModel({
        db,
        ...registry,
        wallet: wallet(planned.owner),
        token: deployment.token,
        metadata: planned.metadata,
        terms: { price: planned.price, ownerShareBps: planned.ownerShareBps, datanetIds: datanetIdsOfModel, stake: planned.stake },
      });
    }
    report.models++;
  }
  report.transactions = (await sentTransactions(client)) - txBefore;
  return report;
}

type EventArgs = {
  DatanetPublished: { datanetId: bigint; owner: Address; metadataURI: string };
  ContributionAdded: { contributionId: bigint; datanetId: bigint; contributor: Address; merkleRoot: Hex };
  ModelPublished: { modelId: bigint; owner: Address; metadataURI: string };
};

/** Transactions sent so far by the demo accounts (their nonces), to report what a run sent. */
async function sentTransactions(client: ChainReader): Promise<number> {
  const counts = await Promise.all(DEMO_ACCOUNT_INDEXES.map((i) => client.getTransactionCount({ address: devAccounts[i].address })));
  return counts.reduce((a, b) => a + b, 0);
}

/** Each demo account below 1,000 tUSD gets 10,000 from the TestUSD faucet (stakes, and deposits to try). */
async function fundDemoAccounts(
  client: ChainReader,
  deployment: Deployment,
  wallet: (index: number) => ChainWallet,
  log: (line: string) => void,
) {
  if (!deployment.testToken) throw new SeedError("the demo can only be seeded on a deployment with the TestUSD faucet (a local chain)");
  const funded: number[] = [];
  for (const index of DEMO_ACCOUNT_INDEXES) {
    const balance = await client.readContract({
      address: deployment.token,
      abi: testUsdAbi,
      functionName: "balanceOf",
      args: [devAccounts[index].address],
    });
    if (balance >= 1_000n * USD) continue;
    const hash = await wallet(index).writeContract({
      address: deployment.token,
      abi: testUsdAbi,
      functionName: "faucet",
      args: [10_000n * USD],
    });
    await waitMined(client, hash);
    funded.push(index);
  }
  if (funded.length > 0) log(`funded dev accounts ${funded.join(", ")} with 10,000 tUSD each from the faucet`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { loadConfig } = await import("@/lib/config");
  const { createDb, dbOptions, migrate } = await import("@/db/client");
  try {
    const settings = loadConfig();
    const handle = await createDb(dbOptions(settings));
    try {
      await migrate(handle.db);
      const started = Date.now();
      const report = await seedDemo({
        db: handle.db,
        rpcUrl: settings.rpcUrl,
        deployment: readDeployment(settings.deploymentFile),
        log: console.log,
      });
      console.log(`seeded in ${((Date.now() - started) / 1000).toFixed(1)} s: ${JSON.stringify(report)}`);
    } finally {
      await handle.close();
    }
  } catch (error) {
    console.error(`seed failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
