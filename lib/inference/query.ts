/**
 * What of a question is worth searching for. Function words ("the", "what", "about") match
 * nearly every record, so BM25 gives them almost no weight — but walking their occurrences
 * costs most of a retrieval's time. Leaving them out changes the ranking very little and makes
 * retrieval several times faster.
 */
import { tokenize } from "@/lib/attribution";

/** Words too common to say anything about relevance. */
export const STOPWORDS: ReadonlySet<string> = new Set(
  (
    "a an and are as at be been but by can could did do does for from had has have he her his how i if in into is it its " +
    "me my no not of on or our she so that the their them there these they this those to was we were what when where which " +
    "who whom why will with would you your about tell say said any all than then also just more most some such only own same"
  ).split(" "),
);

/** The question without its function words, as a retrieval query (the question itself if nothing is left). */
export function retrievalQuery(question: string): string {
  const words = tokenize(question)
    .map((t) => t.term)
    .filter((term) => !STOPWORDS.has(term));
  return words.length > 0 ? words.join(" ") : question;
}
