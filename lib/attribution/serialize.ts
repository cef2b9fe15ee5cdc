/**
 * Index snapshot <-> bytes. The caller stores the bytes (file, object store, database).
 *
 * Layout (all integers LEB128 varints unless said otherwise):
 *   "UPIX" | format version | options JSON | record count | token count | vocabulary size |
 *   fingerprint (4 × u32 LE) | terms (length + UTF-8 each, id 1..) | contributors table
 *   (count, 20 bytes each) | per record: id (length + UTF-8), contributor index,
 *   record − original | segment count | per segment: first record, stream length, token ids,
 *   suffix array bit-packed at ⌈log2(stream length)⌉ bits per entry.
 * Record boundaries, per-term record counts and the duplicate lookup tables are recomputed on
 * load from the token stream; they are derived data.
 */
import { bytesToHex, getAddress, hexToBytes } from "viem/utils";
import { winnow } from "./containment";
import {
  countTermRecords,
  createIndex,
  type DatanetIndex,
  INDEX_FORMAT,
  KeyScratch,
  recordKeys,
  recordTokensOf,
  registerRecordKeys,
  type SharedTables,
  storedOptions,
} from "./datanet-index";
import { LSH_BANDS } from "./dedupe";
import { CorruptIndexError } from "./errors";
import { SEPARATOR, type Segment, withTermTable } from "./segment";
import type { Address, IndexOptions } from "./types";
import { ENGINE_VERSION_1 } from "./versions";

const MAGIC = [0x55, 0x50, 0x49, 0x58]; // "UPIX"
const VERSION = 1;

class ByteWriter {
  private bytes = new Uint8Array(1 << 16);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.length + n) size *= 2;
    const bigger = new Uint8Array(size);
    bigger.set(this.bytes.subarray(0, this.length));
    this.bytes = bigger;
  }

  varint(value: number): void {
    this.reserve(5);
    let v = value >>> 0;
    while (v >= 0x80) {
      this.bytes[this.length++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.bytes[this.length++] = v;
  }

  raw(data: Uint8Array): void {
    this.reserve(data.length);
    this.bytes.set(data, this.length);
    this.length += data.length;
  }

  string(text: string): void {
    const data = new TextEncoder().encode(text);
    this.varint(data.length);
    this.raw(data);
  }

  u32(value: number): void {
    this.reserve(4);
    new DataView(this.bytes.buffer).setUint32(this.length, value >>> 0, true);
    this.length += 4;
  }

  result(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }
}

class ByteReader {
  offset = 0;
  private readonly decoder = new TextDecoder("utf-8", { fatal: true });
  constructor(private readonly bytes: Uint8Array) {}

  private need(n: number): void {
    if (this.offset + n > this.bytes.length) throw new CorruptIndexError("index bytes are truncated");
  }

  varint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      this.need(1);
      const b = this.bytes[this.offset++];
      if (shift > 28) throw new CorruptIndexError("varint too long");
      result += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return result;
      shift += 7;
    }
  }

  raw(n: number): Uint8Array {
    this.need(n);
    const out = this.bytes.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  string(): string {
    try {
      return this.decoder.decode(this.raw(this.varint()));
    } catch (e) {
      if (e instanceof CorruptIndexError) throw e;
      throw new CorruptIndexError("a string in the index is not valid UTF-8");
    }
  }

  u32(): number {
    this.need(4);
    const v = new DataView(this.bytes.buffer, this.bytes.byteOffset).getUint32(this.offset, true);
    this.offset += 4;
    return v;
  }
}

function bitWidth(n: number): number {
  return Math.max(1, Math.ceil(Math.log2(n + 1)));
}

function packBits(values: Int32Array, width: number): Uint8Array {
  const out = new Uint8Array(Math.ceil((values.length * width) / 8));
  let bitPos = 0;
  for (let i = 0; i < values.length; i++) {
    let v = values[i];
    let left = width;
    while (left > 0) {
      const byte = bitPos >>> 3;
      const used = bitPos & 7;
      const take = Math.min(8 - used, left);
      out[byte] |= (v & ((1 << take) - 1)) << used;
      v >>>= take;
      left -= take;
      bitPos += take;
    }
  }
  return out;
}

function unpackBits(data: Uint8Array, count: number, width: number): Int32Array {
  const out = new Int32Array(count);
  let bitPos = 0;
  for (let i = 0; i < count; i++) {
    let v = 0;
    let got = 0;
    while (got < width) {
      const byte = bitPos >>> 3;
      const used = bitPos & 7;
      const take = Math.min(8 - used, width - got);
      v |= ((data[byte] >>> used) & ((1 << take) - 1)) << got;
      got += take;
      bitPos += take;
    }
    out[i] = v;
  }
  return out;
}

/** Serializes an index snapshot to bytes (deterministic: equal snapshots give equal bytes). */
export function serializeIndex(index: DatanetIndex): Uint8Array {
  const w = new ByteWriter();
  w.raw(Uint8Array.from(MAGIC));
  w.varint(VERSION);
  w.string(JSON.stringify({ format: INDEX_FORMAT, options: storedOptions(index.options) }));
  w.varint(index.recordCount);
  w.varint(index.tokenCount);
  w.varint(index.vocabularySize);
  for (const v of index.fingerprint) w.u32(v);
  const { terms, records, original } = index.shared;
  for (let t = 1; t < index.vocabularySize; t++) w.string(terms[t]);
  const contributorIds = new Map<string, number>();
  const contributors: Address[] = [];
  for (let r = 0; r < index.recordCount; r++) {
    const c = records[r].contributor;
    if (!contributorIds.has(c)) {
      contributorIds.set(c, contributors.length);
      contributors.push(c);
    }
  }
  w.varint(contributors.length);
  for (const c of contributors) w.raw(hexToBytes(c));
  for (let r = 0; r < index.recordCount; r++) {
    w.string(records[r].id);
    w.varint(contributorIds.get(records[r].contributor)!);
    w.varint(r - original[r]);
  }
  w.varint(index.segments.length);
  for (const s of index.segments) {
    w.varint(s.firstRecord);
    w.varint(s.tokens.length);
    for (let i = 0; i < s.tokens.length; i++) w.varint(s.tokens[i]);
    w.raw(packBits(s.sa, bitWidth(s.tokens.length)));
  }
  return w.result();
}

/** Loads an index snapshot from bytes made by `serializeIndex`. */
export function deserializeIndex(bytes: Uint8Array): DatanetIndex {
  const r = new ByteReader(bytes);
  const magic = r.raw(4);
  if (MAGIC.some((b, i) => magic[i] !== b)) throw new CorruptIndexError("not an Upstream index (bad magic)");
  const version = r.varint();
  if (version !== VERSION) throw new CorruptIndexError(`unsupported index version ${version}`);
  const header = JSON.parse(r.string()) as { format: string; options: Partial<IndexOptions> };
  if (header.format !== INDEX_FORMAT) throw new CorruptIndexError(`unsupported index format ${header.format}`);
  const recordCount = r.varint();
  const tokenCount = r.varint();
  const vocabularySize = r.varint();
  const fingerprint = Uint32Array.of(r.u32(), r.u32(), r.u32(), r.u32());

  // Bytes written before engine versions existed name no engine: they are version 1.
  const empty = createIndex({ engine: ENGINE_VERSION_1, ...header.options });
  const shared: SharedTables = empty.shared;
  for (let t = 1; t < vocabularySize; t++) {
    const term = r.string();
    shared.termIds.set(term, t);
    shared.terms.push(term);
    shared.asciiTerms.add(term, t);
  }
  const contributors: Address[] = [];
  const contributorCount = r.varint();
  for (let i = 0; i < contributorCount; i++) contributors.push(getAddress(bytesToHex(r.raw(20))));
  shared.original = new Int32Array(Math.max(16, recordCount));
  for (let n = 0; n < recordCount; n++) {
    const id = r.string();
    const contributor = contributors[r.varint()];
    if (contributor === undefined) throw new CorruptIndexError(`record ${id} has an unknown contributor`);
    const back = r.varint();
    if (back > n) throw new CorruptIndexError(`record ${id} copies a later record`);
    shared.records.push({ id, contributor });
    shared.recordNumbers.set(id, n);
    shared.original[n] = n - back;
  }

  const segments: Segment[] = [];
  const segmentCount = r.varint();
  let expectedFirst = 0;
  for (let k = 0; k < segmentCount; k++) {
    const firstRecord = r.varint();
    const length = r.varint();
    if (firstRecord !== expectedFirst) throw new CorruptIndexError("segments are out of order");
    const tokens = new Int32Array(length);
    const starts: number[] = [0];
    for (let i = 0; i < length; i++) {
      const t = r.varint();
      if (t >= vocabularySize) throw new CorruptIndexError(`token id ${t} is outside the vocabulary`);
      tokens[i] = t;
      if (t === SEPARATOR) starts.push(i + 1);
    }
    const recordsHere = starts.length - 1;
    const width = bitWidth(length);
    const sa = unpackBits(r.raw(Math.ceil(((length - recordsHere) * width) / 8)), length - recordsHere, width);
    segments.push(withTermTable({ firstRecord, tokens, recordStarts: Int32Array.from(starts), sa }, vocabularySize));
    expectedFirst += recordsHere;
  }
  if (expectedFirst !== recordCount) throw new CorruptIndexError("segments do not hold every record");

  const termRecordCounts = new Uint32Array(vocabularySize);
  for (const segment of segments) countTermRecords(termRecordCounts, segment);
  const index: DatanetIndex = {
    options: empty.options,
    segments,
    recordCount,
    tokenCount,
    vocabularySize,
    termRecordCounts,
    fingerprint,
    shared,
  };
  shared.exact.reserve(recordCount);
  shared.bands.reserve(recordCount * LSH_BANDS);
  const scratch = new KeyScratch(0);
  for (let n = 0; n < recordCount; n++) {
    const own = recordTokensOf(index, n);
    registerRecordKeys(shared, n, recordKeys(own, index.options.shingleTokens, scratch));
    shared.grams?.add(n, winnow(own, index.options.containmentSpanTokens));
  }
  shared.recordCount = recordCount;
  return index;
}
