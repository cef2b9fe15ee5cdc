import { describe, expect, it } from "vitest";
import { createGroupRunner, createKeyedGroupRunner, type ItemResult } from "./group";

/** A promise and its resolver, to hold a batch open while more items arrive. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe("createGroupRunner", () => {
  it("runs an item at once when idle, and batches what arrives while a batch runs", async () => {
    const batches: number[][] = [];
    const first = gate();
    const runner = createGroupRunner<number, number>(async (items) => {
      batches.push([...items]);
      if (batches.length === 1) await first.opened;
      return items.map((n) => ({ ok: true, value: n * 10 }));
    });
    const a = runner.run(1);
    const rest = [runner.run(2), runner.run(3), runner.run(4)];
    expect(runner.size).toBe(4);
    first.open();
    expect(await Promise.all([a, ...rest])).toEqual([10, 20, 30, 40]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
    expect(runner.size).toBe(0);
  });

  it("gives each item its own refusal, fails the whole batch on a throw, and keeps going", async () => {
    let calls = 0;
    const runner = createGroupRunner<number, number>(async (items) => {
      calls++;
      if (items.includes(13)) throw new Error("unlucky batch");
      return items.map((n): ItemResult<number> => (n % 2 ? { ok: false, error: new Error(`odd ${n}`) } : { ok: true, value: n }));
    });
    const results = await Promise.allSettled([runner.run(2), runner.run(3)]);
    expect(results.map((r) => (r.status === "fulfilled" ? r.value : (r.reason as Error).message))).toEqual([2, "odd 3"]);
    await expect(runner.run(13)).rejects.toThrow("unlucky batch");
    expect(await runner.run(4)).toBe(4);
    expect(calls).toBe(4);
  });

  it("splits a long queue into batches of at most maxBatch", async () => {
    const sizes: number[] = [];
    const runner = createGroupRunner<number, number>(
      async (items) => {
        sizes.push(items.length);
        await new Promise((r) => setTimeout(r, 1));
        return items.map((n) => ({ ok: true, value: n }));
      },
      { maxBatch: 4 },
    );
    const all = await Promise.all(Array.from({ length: 11 }, (_, i) => runner.run(i)));
    expect(all).toEqual(Array.from({ length: 11 }, (_, i) => i));
    expect(sizes).toEqual([1, 4, 4, 2]);
  });

  it("never strands an item submitted as the previous batch settles", async () => {
    const runner = createGroupRunner<number, number>(async (items) => items.map((n) => ({ ok: true, value: n })));
    for (let i = 0; i < 200; i++) {
      // Submit the next item from the continuation of the last one, when the runner is just finishing.
      expect(await runner.run(i).then((n) => runner.run(n + 1))).toBe(i + 1);
    }
  });
});

describe("createKeyedGroupRunner", () => {
  it("runs batches of different keys in parallel, one key's one at a time, and drops idle keys", async () => {
    const running = new Map<string, number>();
    let overlapSameKey = false;
    let overlapKeys = 0;
    const runner = createKeyedGroupRunner<number, string>(async (key, items) => {
      running.set(key, (running.get(key) ?? 0) + 1);
      if (running.get(key)! > 1) overlapSameKey = true;
      overlapKeys = Math.max(overlapKeys, [...running.values()].filter((n) => n > 0).length);
      await new Promise((r) => setTimeout(r, 5));
      running.set(key, running.get(key)! - 1);
      return items.map((n) => ({ ok: true, value: `${key}${n}` }));
    });
    const out = await Promise.all([runner.run("a", 1), runner.run("b", 1), runner.run("a", 2), runner.run("b", 2), runner.run("a", 3)]);
    expect(out).toEqual(["a1", "b1", "a2", "b2", "a3"]);
    expect(overlapSameKey).toBe(false);
    expect(overlapKeys).toBe(2);
    expect(runner.keys).toBe(0);
  });
});
