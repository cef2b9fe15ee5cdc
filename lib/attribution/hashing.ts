/**
 * Fast 32-bit integer mixing used where a cryptographic hash would be too slow (shingles,
 * band keys, content fingerprints). Deterministic on every JavaScript engine: only Math.imul
 * and 32-bit operators.
 */

/** Mixes `value` into the running hash `h` (murmur3-style round). */
export function mix32(h: number, value: number): number {
  let k = Math.imul(value | 0, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** Final avalanche so that nearby inputs give unrelated outputs; returns an unsigned 32-bit value. */
export function finish32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hashes a string's UTF-16 code units with the given seed. */
export function hashString(text: string, seed: number): number {
  let h = seed | 0;
  for (let i = 0; i < text.length; i++) h = mix32(h, text.charCodeAt(i));
  return finish32(mix32(h, text.length));
}

/** Hashes a run of token ids with the given seed. */
export function hashTokens(tokens: Int32Array, from: number, to: number, seed: number): number {
  let h = seed | 0;
  for (let i = from; i < to; i++) h = mix32(h, tokens[i]);
  return finish32(mix32(h, to - from));
}

/** Formats unsigned 32-bit values as one fixed-width hex string. */
export function hex32(...values: number[]): string {
  return values.map((v) => (v >>> 0).toString(16).padStart(8, "0")).join("");
}
