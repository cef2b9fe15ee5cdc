/**
 * How informative a matched span is, judged against general English (engine behaviour
 * `referenceInformativeness`), as OLMoTrace ranks spans by their unigram probability under a large
 * corpus: a phrase that anyone would write earns nobody anything, however few records of the
 * datanet hold it.
 *
 * The reference (`english-reference-data.ts`, built by scripts/build-english-reference.ts) holds
 * the 40,000 most frequent words of SUBTLEX-US with their surprisal, and the 4-token grams found
 * in at least 3 documents of the Brown corpus and the WordNet glosses, plus the grams of the stock
 * chatbot phrases below. "Frequent", not merely present: a datanet that holds the Brown corpus
 * itself still earns for what is distinctive in it (its grams are in one reference document).
 *
 * An output token is ordinary when a frequent gram of the reference covers it within the span.
 * A span is ordinary (worth 0) when at least `ORDINARY_TOKEN_SHARE` of its tokens are ordinary or
 * its words' mean surprisal is below `ORDINARY_MEAN_BITS`; otherwise it earns for the tokens it
 * wins that are not ordinary. Loaded once per process, on first use.
 */
import { keccak256 } from "viem/utils";
import { FREQUENT_GRAMS, REFERENCE_HASH, WORD_BITS, WORDS } from "./english-reference-data";
import { finish32, hashString, mix32 } from "./hashing";
import type { Hex } from "./types";

/** Tokens per reference gram. */
export const REFERENCE_GRAM_TOKENS = 4;
/** A span whose share of ordinary tokens is at least this is ordinary. */
export const ORDINARY_TOKEN_SHARE = 0.75;
/** A span whose words' mean unigram surprisal (bits) is below this is ordinary. */
export const ORDINARY_MEAN_BITS = 8;

/**
 * Stock phrases of chat assistants: every 4-token gram of them is ordinary. Part of the
 * reference (and of its hash): rebuild the reference after changing the list.
 */
export const STOCK_PHRASES: readonly string[] = [
  "As an AI language model, I cannot",
  "As an AI language model, I don't have personal opinions",
  "As an AI developed by OpenAI",
  "I'm just an AI and do not have feelings",
  "I hope this helps! Let me know if you have any other questions.",
  "I hope this helps you with what you need",
  "I hope this information is helpful to you",
  "It is important to note that",
  "It's important to note that",
  "It is worth noting that",
  "It's worth noting that",
  "It is essential to consider",
  "It is crucial to remember that",
  "I'm sorry, but I cannot help with that request",
  "I'm sorry, but I can't assist with that",
  "I am sorry, but I am unable to provide",
  "Feel free to ask if you have any other questions",
  "If you have any other questions, feel free to ask",
  "Please let me know if you need anything else",
  "Let me know if you need any further assistance",
  "I'd be happy to help you with that",
  "I would be happy to help you with this",
  "That's a great question! Here is",
  "Certainly! Here is a brief overview of",
  "Sure! Here's a breakdown of the key points",
  "Here are some key points to consider",
  "There are several factors to consider when",
  "It depends on a variety of factors",
  "plays a crucial role in shaping the",
  "In today's fast-paced world,",
  "In the ever-evolving landscape of",
  "Let's delve into the details of",
  "is a testament to the power of",
  "navigating the complexities of modern",
  "As of my last knowledge update",
  "I do not have access to real-time information",
  "Please consult a qualified professional for advice",
  "This is not financial advice, and you should",
  "Thank you for your question, and I hope",
  "In conclusion, it is clear that",
  "Overall, it is important to remember that",
];

/** Hash of a term for the reference grams. */
export function termHash(term: string): number {
  return hashString(term, 0x6e676c73);
}

/** Hash of the gram of `REFERENCE_GRAM_TOKENS` term hashes starting at `from`. */
export function gramHash(termHashes: readonly number[] | Uint32Array, from: number): number {
  let h = 0x13579bdf;
  for (let j = 0; j < REFERENCE_GRAM_TOKENS; j++) h = mix32(h, termHashes[from + j]);
  return finish32(h);
}

/** The loaded reference. */
export type EnglishReference = {
  /** Surprisal in bits of each known word. */
  wordBits: Map<string, number>;
  /** Surprisal of a word the reference does not know (rarer than the rarest it keeps). */
  unknownBits: number;
  /** Frequent gram hashes, sorted. */
  grams: Uint32Array;
  /** keccak256 of the reference data: recorded in every version 2 proof's policy. */
  hash: Hex;
};

let loaded: EnglishReference | undefined;

/** The reference, loaded on first use (about 10 ms) and kept for the process. */
export function englishReference(): EnglishReference {
  if (loaded) return loaded;
  const words = WORDS.split("\n");
  const bits = base64Bytes(WORD_BITS);
  const wordBits = new Map<string, number>();
  let max = 0;
  words.forEach((w, i) => {
    wordBits.set(w, bits[i] / 8);
    if (bits[i] > max) max = bits[i];
  });
  const gramBytes = base64Bytes(FREQUENT_GRAMS);
  const view = new DataView(gramBytes.buffer, gramBytes.byteOffset, gramBytes.byteLength);
  const grams = new Uint32Array(gramBytes.length / 4);
  for (let i = 0; i < grams.length; i++) grams[i] = view.getUint32(i * 4, true);
  loaded = { wordBits, unknownBits: max / 8 + 1, grams, hash: REFERENCE_HASH as Hex };
  return loaded;
}

/** keccak256 of the reference data as stored (`REFERENCE_HASH` is checked against it by the tests; hashing 0.5 MB takes 100 ms). */
export function hashReferenceData(): Hex {
  return keccak256(new TextEncoder().encode(`${WORDS}\n${WORD_BITS}\n${FREQUENT_GRAMS}`));
}

function base64Bytes(text: string): Uint8Array {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

function isFrequent(reference: EnglishReference, gram: number): boolean {
  const g = reference.grams;
  let lo = 0;
  let hi = g.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (g[mid] < gram) lo = mid + 1;
    else hi = mid;
  }
  return lo < g.length && g[lo] === gram;
}

/** Per token of a span: ordinary or not, and the span's verdict. */
export type SpanInformativeness = {
  /** ordinary[j] = 1 when a frequent reference gram inside the span covers token j of the span. */
  ordinary: Uint8Array;
  /** True when the span as a whole is ordinary English (worth nothing). */
  ordinarySpan: boolean;
};

/** Judges one span given its terms (in output order). */
export function judgeSpan(terms: readonly string[], reference: EnglishReference = englishReference()): SpanInformativeness {
  const n = terms.length;
  const ordinary = new Uint8Array(n);
  const hashes = terms.map(termHash);
  for (let i = 0; i + REFERENCE_GRAM_TOKENS <= n; i++) {
    if (isFrequent(reference, gramHash(hashes, i))) ordinary.fill(1, i, i + REFERENCE_GRAM_TOKENS);
  }
  let ordinaryCount = 0;
  let bits = 0;
  for (let j = 0; j < n; j++) {
    ordinaryCount += ordinary[j];
    bits += reference.wordBits.get(terms[j]) ?? reference.unknownBits;
  }
  const ordinarySpan = n === 0 || ordinaryCount >= ORDINARY_TOKEN_SHARE * n || bits / n < ORDINARY_MEAN_BITS;
  return { ordinary, ordinarySpan };
}
