/**
 * How retrieved records reach a model that only reads text: one system message that lists them.
 * The OpenAI-compatible backend writes it; the test server reads it back.
 */
import type { ChatMessage, ContextRecord } from "./backend";

const INSTRUCTION =
  "Answer the user's question using only the records below. Quote their sentences where you can, " +
  "and say so when the records do not contain the answer.";

// A record that contains the closing tag must not end its block early.
const escapeRecord = (text: string) => text.replace(/<\/record>/gi, "</ record>");

/** The system message that carries the context records, or null when there are none. */
export function contextMessage(context: readonly ContextRecord[]): ChatMessage | null {
  if (context.length === 0) return null;
  const blocks = context.map((r) => `<record id="${r.id.replace(/"/g, "")}">\n${escapeRecord(r.text)}\n</record>`);
  return { role: "system", content: `${INSTRUCTION}\n\n${blocks.join("\n\n")}` };
}

/** The records listed in a context message (empty for any other text). */
export function parseContextMessage(content: string): ContextRecord[] {
  const records: ContextRecord[] = [];
  for (const match of content.matchAll(/<record id="([^"]*)">\n([\s\S]*?)\n<\/record>/g)) {
    records.push({ id: match[1], text: match[2], score: 0 });
  }
  return records;
}
