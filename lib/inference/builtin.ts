/**
 * The built-in engine: an extractive, retrieval-grounded answering model that runs on the CPU
 * from the model's own datanet records — no weights. It ranks the sentences of the retrieved
 * records against the question with BM25, takes the best few, and joins them with short
 * connective phrases. Every sentence of an answer is a verbatim sentence of one record, so the
 * engine knows exactly which record produced which words: its context influence is the number
 * of answer tokens each record supplied, which is what leaving that record out would remove.
 * Deterministic (the same question and context always give the same answer) and fast.
 */
import { scanTokens, tokenize } from "@/lib/attribution";
import {
  BackendAbortedError,
  type ChatMessage,
  type ContextRecord,
  countTokens,
  type GenerateEvent,
  type GenerateRequest,
  lastUserMessage,
  type ModelBackend,
} from "./backend";
import { STOPWORDS } from "./query";

/** The model card the marketplace shows for a model served by the built-in engine. */
export const BUILTIN_MODEL_CARD = `**Built-in extractive retrieval model** — not a large language model.

For each question it retrieves the most relevant records from this model's datanets (BM25), ranks
their sentences against the question, and answers with the best few sentences quoted verbatim,
joined by short connective phrases. It does not paraphrase, reason, summarize or know anything
beyond the records it draws on, and it can answer off topic when no record is relevant.

Because every sentence comes from one record, attribution is exact: each contributor is credited
for precisely the words of theirs that the answer used. It runs on the CPU in about a millisecond
and gives the same answer to the same question over the same records.`;

/** Options of the built-in engine. */
export type BuiltinOptions = {
  /** Most sentences in one answer. Default 4. */
  maxSentences?: number;
  /** Sentences shorter than this many tokens are not used (headings, fragments). Default 4. */
  minSentenceTokens?: number;
};

/** One piece of a composed answer. */
export type AnswerPiece = {
  /** Text exactly as appended to the answer (connective phrase and spacing included). */
  text: string;
  /** The record whose sentence this piece carries; null for the engine's own words. */
  recordId: string | null;
  /** Tokens of the record's sentence in this piece (0 for the engine's own words). */
  recordTokens: number;
};

/** A composed answer. */
export type ComposedAnswer = {
  /** The answer in streaming order. */
  pieces: AnswerPiece[];
  /** Total tokens of the answer. */
  outputTokens: number;
  /** "length" when `maxTokens` cut the answer short. */
  finishReason: "stop" | "length";
  /** Tokens each context record supplied, in context order (records that supplied none omitted). */
  influence: { id: string; influence: number }[];
};

/** A sentence of a record, analyzed once and cached. */
export type AnalyzedSentence = {
  /** The sentence text as it appears in the record (trimmed). */
  text: string;
  /** Distinct stemmed terms with their counts. */
  terms: Map<string, number>;
  /** Number of tokens. */
  length: number;
  /** UTF-16 end offset of each token, to cut a sentence at a token boundary. */
  tokenEnds: number[];
};

const CONNECTIVES = ["Another record adds: ", "A further record says: ", "Also: "];
const CONNECTIVE_TOKENS = Math.max(...CONNECTIVES.map((c) => countTokens(c)));
const NOTHING_FOUND = "None of the records this model draws on match the question.";

// A sentence ends at . ! ? followed by space and an opening capital or quote, or at a line break.
const SENTENCE_BREAK = /(?<=[.!?]["”’)]?)\s+(?=["“'‘(]?[A-Z0-9])|\s*\n+\s*/;

const K1 = 1.2;
const B = 0.75;

/**
 * A light English stemmer for matching questions to sentences ("sailed", "sails" and "sail"
 * meet): strips a possessive, a plural "s", then "ing"/"ed", then a final "e".
 */
export function stem(term: string): string {
  let t = term.endsWith("'s") ? term.slice(0, -2) : term;
  if (t.length > 3 && t.endsWith("s") && !t.endsWith("ss")) t = t.slice(0, -1);
  if (t.length > 5 && t.endsWith("ing")) t = t.slice(0, -3);
  else if (t.length > 4 && t.endsWith("ed")) t = t.slice(0, -2);
  if (t.length > 3 && t.endsWith("e")) t = t.slice(0, -1);
  return t;
}

function analyze(text: string): AnalyzedSentence {
  const terms = new Map<string, number>();
  const tokenEnds: number[] = [];
  scanTokens(text, (term, _start, end) => {
    term = stem(term);
    terms.set(term, (terms.get(term) ?? 0) + 1);
    tokenEnds.push(end);
  });
  return { text, terms, length: tokenEnds.length, tokenEnds };
}

/** Splits a record into sentences and analyzes each; records are immutable, so this is cached by the caller. */
export function splitSentences(text: string): string[] {
  return text
    .split(SENTENCE_BREAK)
    .map((s) => s.replace(/\s+/g, " ").trim())
    .filter((s) => s.length > 0);
}

/** The built-in engine's answer to `question` from `context`, without streaming. */
export function composeAnswer(
  question: string,
  context: readonly ContextRecord[],
  maxTokens: number,
  options: BuiltinOptions = {},
  prepared: (record: ContextRecord) => AnalyzedSentence[] = (r) => splitSentences(r.text).map(analyze),
): ComposedAnswer {
  const maxSentences = options.maxSentences ?? 4;
  const minTokens = options.minSentenceTokens ?? 4;
  const queryTerms = [
    ...new Set(
      tokenize(question)
        .filter((t) => !STOPWORDS.has(t.term))
        .map((t) => stem(t.term)),
    ),
  ].sort();

  type Candidate = { record: number; position: number; sentence: AnalyzedSentence; score: number };
  const candidates: Candidate[] = [];
  context.forEach((record, r) => {
    prepared(record).forEach((sentence, position) => {
      if (sentence.length >= minTokens) candidates.push({ record: r, position, sentence, score: 0 });
    });
  });

  // BM25 over the candidate sentences, each sentence a document.
  if (candidates.length > 0 && queryTerms.length > 0) {
    const avgLength = candidates.reduce((s, c) => s + c.sentence.length, 0) / candidates.length;
    for (const term of queryTerms) {
      let df = 0;
      for (const c of candidates) if (c.sentence.terms.has(term)) df++;
      if (df === 0) continue;
      const idf = Math.log(1 + (candidates.length - df + 0.5) / (df + 0.5));
      for (const c of candidates) {
        const tf = c.sentence.terms.get(term);
        if (tf) c.score += (idf * tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * c.sentence.length) / avgLength));
      }
    }
  }

  // Best sentences first; ties go to the better-retrieved record, then the earlier sentence.
  const ranked = candidates.filter((c) => c.score > 0).sort((x, y) => y.score - x.score || x.record - y.record || x.position - y.position);
  const chosen: Candidate[] = [];
  const seenTexts = new Set<string>();
  let budget = maxTokens;
  let cut = false;
  for (const c of ranked) {
    if (chosen.length === maxSentences) break;
    const key = [...c.sentence.terms.keys()].join(" ") + `|${c.sentence.length}`;
    if (seenTexts.has(key)) continue;
    // Every sentence after the first may bring a connective phrase of up to CONNECTIVE_TOKENS.
    const cost = c.sentence.length + (chosen.length > 0 ? CONNECTIVE_TOKENS : 0);
    if (cost > budget) {
      cut = true;
      if (chosen.length === 0) chosen.push(c);
      break;
    }
    seenTexts.add(key);
    chosen.push(c);
    budget -= cost;
  }
  if (chosen.length === 0) {
    return {
      pieces: [{ text: NOTHING_FOUND, recordId: null, recordTokens: 0 }],
      outputTokens: countTokens(NOTHING_FOUND),
      finishReason: "stop",
      influence: [],
    };
  }

  // Read in source order: by record as retrieved, then by position in the record.
  chosen.sort((x, y) => x.record - y.record || x.position - y.position);
  const pieces: AnswerPiece[] = [];
  const perRecord = new Map<number, number>();
  let outputTokens = 0;
  let connective = 0;
  chosen.forEach((c, i) => {
    let text = c.sentence.text;
    let tokens = c.sentence.length;
    if (tokens > maxTokens - outputTokens) {
      tokens = Math.max(0, maxTokens - outputTokens);
      text = tokens === 0 ? "" : text.slice(0, c.sentence.tokenEnds[tokens - 1]);
    }
    if (i > 0) {
      const opener = c.record === chosen[i - 1].record ? " " : ` ${CONNECTIVES[connective++ % CONNECTIVES.length]}`;
      pieces.push({ text: opener, recordId: null, recordTokens: 0 });
      outputTokens += countTokens(opener);
    }
    if (text) pieces.push({ text, recordId: context[c.record].id, recordTokens: tokens });
    outputTokens += tokens;
    perRecord.set(c.record, (perRecord.get(c.record) ?? 0) + tokens);
  });
  const influence = [...perRecord]
    .sort((x, y) => x[0] - y[0])
    .filter(([, tokens]) => tokens > 0)
    .map(([r, tokens]) => ({ id: context[r].id, influence: tokens }));
  return { pieces, outputTokens, finishReason: cut ? "length" : "stop", influence };
}

/** Creates the built-in engine. Sentence splits are cached per record id (records never change). */
export function createBuiltinBackend(options: BuiltinOptions = {}): ModelBackend {
  const cache = new Map<string, AnalyzedSentence[]>();
  const prepared = (record: ContextRecord): AnalyzedSentence[] => {
    let sentences = cache.get(record.id);
    if (!sentences) {
      sentences = splitSentences(record.text).map(analyze);
      // Bounded: a model's records are few compared with memory, but a long-lived process sees many models.
      if (cache.size >= 50_000) cache.delete(cache.keys().next().value!);
      cache.set(record.id, sentences);
    }
    return sentences;
  };
  return {
    kind: "builtin",
    async *generate(request: GenerateRequest): AsyncIterable<GenerateEvent> {
      const question = lastUserMessage(request.messages);
      const answer = composeAnswer(question, request.context, request.maxTokens, options, prepared);
      for (const piece of answer.pieces) {
        if (request.signal?.aborted) throw new BackendAbortedError();
        yield { delta: piece.text };
      }
      if (request.signal?.aborted) throw new BackendAbortedError();
      yield {
        done: true,
        finishReason: answer.finishReason,
        usage: { promptTokens: promptTokens(request.messages, request.context, prepared), completionTokens: answer.outputTokens },
        contextInfluence: answer.influence,
      };
    },
  };
}

function promptTokens(
  messages: readonly ChatMessage[],
  context: readonly ContextRecord[],
  prepared: (record: ContextRecord) => AnalyzedSentence[],
): number {
  let n = 0;
  for (const m of messages) n += countTokens(m.content);
  // A record's sentences hold all of its tokens, and they are cached.
  for (const r of context) for (const sentence of prepared(r)) n += sentence.length;
  return n;
}
