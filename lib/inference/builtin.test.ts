import { describe, expect, it } from "vitest";
import { attribute, buildIndex, retrieve } from "@/lib/attribution";
import { chunkSentences, loadMobyDick } from "@/lib/attribution/testing/corpora";
import { BackendAbortedError, type ContextRecord, collectAnswer, countTokens } from "./backend";
import { composeAnswer, createBuiltinBackend, splitSentences } from "./builtin";

// Real text: the first chapters of Moby-Dick, four sentences per record, two contributors.
const CONTRIBUTORS = ["0x1000000000000000000000000000000000000001", "0x2000000000000000000000000000000000000002"] as const;
const records = loadMobyDick()
  .slice(0, 12)
  .flatMap((chapter, c) => chunkSentences(chapter.text, 4).map((text, i) => ({ id: `${c}:${i}`, contributor: CONTRIBUTORS[c % 2], text })));
const index = buildIndex(records);
const textOf = new Map(records.map((r) => [r.id, r.text]));

function contextFor(question: string, k = 5): ContextRecord[] {
  return retrieve(index, question, { k }).map((r) => ({ id: r.id, text: textOf.get(r.id)!, score: r.score }));
}

describe("the built-in engine", () => {
  it("answers with verbatim sentences of the retrieved records, and knows which record gave each", () => {
    const question = "What did Queequeg do with his harpoon?";
    const context = contextFor(question);
    const answer = composeAnswer(question, context, 200);
    const quoted = answer.pieces.filter((p) => p.recordId !== null);
    expect(quoted.length).toBeGreaterThan(0);
    for (const piece of quoted) {
      const source = context.find((r) => r.id === piece.recordId)!;
      expect(splitSentences(source.text)).toContain(piece.text);
      expect(piece.recordTokens).toBe(countTokens(piece.text));
    }
    // Every quoted sentence is about the question.
    for (const piece of quoted) expect(piece.text).toMatch(/queequeg|harpoon/i);
    // Influence is exactly the tokens each record supplied.
    const supplied = new Map<string, number>();
    for (const p of quoted) supplied.set(p.recordId!, (supplied.get(p.recordId!) ?? 0) + p.recordTokens);
    expect(new Map(answer.influence.map((i) => [i.id, i.influence]))).toEqual(supplied);
    expect(answer.outputTokens).toBe(countTokens(answer.pieces.map((p) => p.text).join("")));
  });

  it("is deterministic, and a different question gives a different answer", async () => {
    const ask = async (question: string, engine = createBuiltinBackend()) =>
      (
        await collectAnswer(
          engine.generate({ messages: [{ role: "user", content: question }], context: contextFor(question), maxTokens: 200 }),
        )
      ).text;
    const engine = createBuiltinBackend();
    const first = await ask("Why does Ishmael go to sea?", engine);
    expect(await ask("Why does Ishmael go to sea?", engine)).toBe(first);
    expect(await ask("Why does Ishmael go to sea?")).toBe(first);
    expect(await ask("Tell me about the Spouter-Inn landlord")).not.toBe(first);
  });

  it("never exceeds maxTokens and says when it cut the answer", () => {
    const question = "whale ship sea captain";
    const context = contextFor(question);
    const full = composeAnswer(question, context, 1000);
    for (const limit of [3, 12, 40]) {
      const cut = composeAnswer(question, context, limit);
      expect(cut.outputTokens).toBeLessThanOrEqual(limit);
      expect(cut.outputTokens).toBe(countTokens(cut.pieces.map((p) => p.text).join("")));
      if (full.outputTokens > limit) expect(cut.finishReason).toBe("length");
    }
  });

  it("says it found nothing, crediting no record, when no record matches", () => {
    const context = contextFor("Queequeg harpoon");
    const answer = composeAnswer("photosynthesis chlorophyll", context, 100);
    expect(answer.influence).toEqual([]);
    expect(answer.pieces.every((p) => p.recordId === null)).toBe(true);
  });

  it("gives the attribution engine an influence that credits exactly the records it quoted", async () => {
    const question = "What did Queequeg do with his harpoon?";
    const context = contextFor(question);
    const { text, done } = await collectAnswer(
      createBuiltinBackend().generate({ messages: [{ role: "user", content: question }], context, maxTokens: 200 }),
    );
    const result = attribute({
      index,
      prompt: question,
      context: context.map((r) => r.id),
      output: text,
      price: 1_000_000n,
      ownerShareBps: 2000,
      protocolFeeBps: 100,
      owner: "0x3000000000000000000000000000000000000003",
      contextInfluence: done.contextInfluence,
    });
    const credited = result.proof.records
      .filter((r) => r.score > 0)
      .map((r) => r.id)
      .sort();
    const quoted = [...new Set(done.contextInfluence!.map((i) => i.id))].sort();
    expect(credited).toEqual(quoted);
    const unused = context.map((r) => r.id).filter((id) => !quoted.includes(id));
    for (const id of unused) expect(result.proof.records.find((r) => r.id === id)?.score ?? 0).toBe(0);
    expect(result.proof.split.reduce((s, p) => s + p.amount, 0n)).toBe(1_000_000n);
  });

  it("stops when the client has gone", async () => {
    const controller = new AbortController();
    controller.abort();
    const question = "Queequeg harpoon";
    const run = collectAnswer(
      createBuiltinBackend().generate({
        messages: [{ role: "user", content: question }],
        context: contextFor(question),
        maxTokens: 100,
        signal: controller.signal,
      }),
    );
    await expect(run).rejects.toBeInstanceOf(BackendAbortedError);
  });
});
