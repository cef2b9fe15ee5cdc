/** Text PostgreSQL cannot store: a NUL (text columns) or a UTF-16 surrogate without its pair (jsonb). */

/** A UTF-16 surrogate without its pair. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** True when the database would refuse `text`. */
export function unstorable(text: string): boolean {
  LONE_SURROGATE.lastIndex = 0;
  return text.includes("\u0000") || LONE_SURROGATE.test(text);
}

/** `text` with every NUL and lone surrogate replaced by U+FFFD, as a lenient UTF-8 decoder would. */
export function storable(text: string): string {
  return text.replaceAll("\u0000", "\uFFFD").replace(LONE_SURROGATE, "\uFFFD");
}
