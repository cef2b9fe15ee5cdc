/**
 * Stores a model, its datanet and contributions of real text in the database, for the
 * gateway's tests and benchmark. It writes the off-chain rows only (the gateway reads nothing
 * else); transaction hashes and Merkle roots are derived from the content so the rows are
 * well-formed, but they are not anchored on any chain.
 */
import { keccak256, toHex } from "viem";
import type { Db } from "@/db/client";
import { saveContribution, saveDatanet, saveModel } from "@/db/marketplace";
import { chunkSentences, loadMobyDick } from "@/lib/attribution/testing/corpora";

type Hex = `0x${string}`;

/** What {@link seedModel} stores. */
export type SeedModelParameters = {
  /** Model id (the registry id it stands for). */
  modelId: bigint;
  /** Datanet id. */
  datanetId: bigint;
  /** Model owner. */
  owner: Hex;
  /** Price per inference in token units. */
  price: bigint;
  /** Owner's share in basis points. */
  ownerShareBps: number;
  /** Contributions in on-chain order; ids are `firstContributionId`, +1, … */
  contributions: readonly { contributor: Hex; texts: readonly string[] }[];
  /** Id of the first contribution. */
  firstContributionId: bigint;
  /** An OpenAI-compatible backend instead of the built-in engine. */
  openai?: { baseUrl: string; model: string; keyName?: string };
};

const hashOf = (text: string): Hex => keccak256(toHex(text));

/** Stores the datanet, the contributions and the model (idempotent). */
export async function seedModel(db: Db, p: SeedModelParameters): Promise<void> {
  await saveDatanet(db, {
    id: p.datanetId,
    name: `Datanet ${p.datanetId}`,
    license: "public domain",
    owner: p.owner,
    metadataUri: `seed:datanet:${p.datanetId}`,
    txHash: hashOf(`datanet ${p.datanetId}`),
  });
  let id = p.firstContributionId;
  for (const contribution of p.contributions) {
    const records = contribution.texts.map((text) => ({ text, hash: hashOf(text) }));
    await saveContribution(db, {
      id,
      datanetId: p.datanetId,
      contributor: contribution.contributor,
      merkleRoot: keccak256(`0x${records.map((r) => r.hash.slice(2)).join("")}`),
      txHash: hashOf(`contribution ${id}`),
      records,
    });
    id += 1n;
  }
  await saveModel(db, {
    id: p.modelId,
    name: `Model ${p.modelId}`,
    owner: p.owner,
    metadataUri: `seed:model:${p.modelId}`,
    backendKind: p.openai ? "openai" : "builtin",
    backendBaseUrl: p.openai?.baseUrl ?? null,
    backendModel: p.openai?.model ?? null,
    backendKeyName: p.openai?.keyName ?? null,
    price: p.price,
    ownerShareBps: p.ownerShareBps,
    txHash: hashOf(`model ${p.modelId}`),
    datanetIds: [p.datanetId],
  });
}

/** What {@link seedTwoContributorModel} stores. */
export type SeedTwoContributorModelParameters = Pick<SeedModelParameters, "owner" | "price"> & {
  /** Who contributed the first `split` texts, and who the rest. */
  contributors: readonly [Hex, Hex];
  /** The datanet's records in on-chain order. */
  texts: readonly string[];
  /** How many of `texts` the first contributor added. */
  split: number;
  /** Owner's share in basis points (default 2000). */
  ownerShareBps?: number;
};

/**
 * The tests' usual marketplace: model 1 on the built-in engine over datanet 1, whose records
 * came in two contributions (ids 1 and 2) from two contributors.
 */
export function seedTwoContributorModel(db: Db, p: SeedTwoContributorModelParameters): Promise<void> {
  const [first, second] = p.contributors;
  return seedModel(db, {
    modelId: 1n,
    datanetId: 1n,
    owner: p.owner,
    price: p.price,
    ownerShareBps: p.ownerShareBps ?? 2000,
    firstContributionId: 1n,
    contributions: [
      { contributor: first, texts: p.texts.slice(0, p.split) },
      { contributor: second, texts: p.texts.slice(p.split) },
    ],
  });
}

/** Moby-Dick chapters `[from, to)` as records of `perRecord` sentences each. */
export function mobyDickTexts(from: number, to: number, perRecord = 4): string[] {
  return loadMobyDick()
    .slice(from, to)
    .flatMap((chapter) => chunkSentences(chapter.text, perRecord));
}
