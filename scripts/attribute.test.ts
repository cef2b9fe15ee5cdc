import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { sentences } from "../lib/attribution/testing/corpora";
import { corpusRecords } from "../lib/attribution/testing/fixtures";

const root = join(import.meta.dirname, "..");
let dir: string;
let recordsFile: string;
let records: ReturnType<typeof corpusRecords>;

type Run = { code: number | null; stdout: string; stderr: string };

/** Runs the script as `npm run attribute` does (tsx), as a subprocess. */
function run(...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(root, "scripts/attribute.ts"), ...args], { cwd: root });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

function file(name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

function expectCleanError(r: Run, pattern: RegExp) {
  expect(r.code).not.toBe(0);
  expect(r.stderr).toMatch(/^error: /);
  expect(r.stderr).toMatch(pattern);
  // One clear message, never a stack trace.
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "attribute-cli-"));
  records = corpusRecords({ sotu: 2, moby: 2, brown: 2, contributors: 3 });
  recordsFile = file("records.jsonl", records.map((r) => JSON.stringify(r)).join("\n") + "\n");
});

describe("npm run attribute", () => {
  it("prints the table and, with --json, a last line whose split sums to the default price", async () => {
    const copied = [sentences(records[4].text)[1], sentences(records[30].text)[2]];
    const output = file("output.txt", `Well. ${copied[0]} Then quokka ledgers glimmer. ${copied[1]}`);
    // A prompt from the same record (an output repeating the prompt itself would earn nothing).
    const prompt = file("prompt.txt", sentences(records[4].text)[2]);
    const [r, again] = await Promise.all([
      run("--records", recordsFile, "--output", output, "--prompt", prompt, "--json"),
      run("--records", recordsFile, "--output", output, "--prompt", prompt, "--json"),
    ]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("records credited:");
    const last = JSON.parse(r.stdout.trim().split("\n").at(-1)!);
    expect(last.hash).toMatch(/^0x[0-9a-f]{64}$/);
    // The contributors are paid for what the records explain; the rest has no --owner to go to.
    const paid = last.split.reduce((s: bigint, p: { amount: string }) => s + BigInt(p.amount), 0n);
    expect(paid + BigInt(last.unattributed)).toBe(10n ** 18n);
    expect(last.unexplained).toMatchObject({ policy: "owner", address: null, amount: last.unattributed });
    expect(BigInt(last.unattributed)).toBeGreaterThan(0n);
    expect(last.records.map((x: { id: string }) => x.id).sort()).toEqual([records[4].id, records[30].id].sort());
    expect(last.context[0]).toBe(records[4].id);
    // Same files, same hash.
    expect(JSON.parse(again.stdout.trim().split("\n").at(-1)!).hash).toBe(last.hash);
  });

  it("splits --price with the owner and the protocol when asked", async () => {
    const output = file("output2.txt", sentences(records[10].text)[0]);
    const owner = "0x00000000000000000000000000000000000000Aa";
    const r = await run(
      "--records",
      recordsFile,
      "--output",
      output,
      "--price",
      "1000",
      "--owner",
      owner,
      "--owner-bps",
      "2000",
      "--fee-bps",
      "500",
      "--json",
    );
    expect(r.code).toBe(0);
    const last = JSON.parse(r.stdout.trim().split("\n").at(-1)!);
    expect(last.protocolFee).toBe("50");
    const contributors = last.split.reduce((s: bigint, p: { amount: string }) => s + BigInt(p.amount), 0n);
    expect(BigInt(last.owner.amount) + BigInt(last.unexplained.amount) + contributors + 50n).toBe(1000n);
    expect(BigInt(last.owner.amount)).toBe(200n);
    expect(last.unexplained.address).toBe("0x00000000000000000000000000000000000000AA");
  });

  it("pays the unexplained part to --treasury under --unexplained treasury, and takes a backend's --influence", async () => {
    const output = file("output3.txt", `Quokka ledgers glimmer sideways. ${sentences(records[10].text)[0]}`);
    const influence = file(
      "influence.json",
      JSON.stringify([
        { id: records[10].id, influence: 2 },
        { id: records[11].id, influence: 0.5 },
      ]),
    );
    const treasury = "0x00000000000000000000000000000000000000Ee";
    const r = await run(
      "--records",
      recordsFile,
      "--output",
      output,
      "--unexplained",
      "treasury",
      "--treasury",
      treasury,
      "--influence",
      influence,
      "--json",
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const last = JSON.parse(r.stdout.trim().split("\n").at(-1)!);
    expect(last.context).toEqual([records[10].id, records[11].id]);
    expect(last.unexplained).toMatchObject({ policy: "treasury", address: "0x00000000000000000000000000000000000000eE" });
    expect(BigInt(last.unexplained.amount)).toBeGreaterThan(0n);
    const paid = last.split.reduce((s: bigint, p: { amount: string }) => s + BigInt(p.amount), 0n);
    expect(paid + BigInt(last.unexplained.amount)).toBe(10n ** 18n);
    expect(last.records.map((x: { id: string }) => x.id)).toContain(records[11].id);
  });

  it("explains bad input in one line with a non-zero exit", async () => {
    const output = file("ok.txt", "some words of output here");
    const big = JSON.stringify({ id: "big", contributor: records[0].contributor, text: "whale ".repeat(300_000) });
    const cases: [string[], RegExp][] = [
      [["--records", recordsFile, "--output", file("empty.txt", "  \n")], /empty/],
      [
        ["--records", file("bad.jsonl", `${JSON.stringify(records[0])}\n{"id": "x", oops}\n`), "--output", output],
        /line 2: not valid JSON/,
      ],
      [
        ["--records", file("addr.jsonl", `${JSON.stringify({ id: "x", contributor: "0x12", text: "hi" })}\n`), "--output", output],
        /line 1: contributor is not a valid address/,
      ],
      [["--records", file("missing.jsonl", `${JSON.stringify({ id: "x", text: "hi" })}\n`), "--output", output], /line 1: contributor/],
      [["--records", file("big.jsonl", `${big}\n`), "--output", output, "--max-record-mb", "1"], /line 1: .*larger than the limit/],
      [["--records", recordsFile, "--output", file("latin1.txt", Uint8Array.of(0x63, 0x61, 0x66, 0xe9, 0x0a))], /not valid UTF-8/],
      [["--records", recordsFile, "--output", join(dir, "nope.txt")], /cannot read/],
      [["--records", recordsFile, "--output", output, "--price", "-5"], /--price/],
      [["--records", recordsFile, "--output", output, "--owner", "0xnothex"], /--owner/],
      [["--output", output], /--records and --output are required/],
      [["--records", recordsFile, "--output", output, "--unexplained", "contributors"], /--unexplained must be owner or treasury/],
      [["--records", recordsFile, "--output", output, "--unexplained", "treasury"], /needs --treasury/],
      [
        ["--records", recordsFile, "--output", output, "--treasury", "0x00000000000000000000000000000000000000ee"],
        /needs --unexplained treasury/,
      ],
      [
        ["--records", recordsFile, "--output", output, "--unexplained", "treasury", "--treasury", "0x12"],
        /--treasury 0x12 is not a valid address/,
      ],
      [["--records", recordsFile, "--output", output, "--influence", file("inf1.json", "{")], /influence file .*not valid JSON/],
      [
        ["--records", recordsFile, "--output", output, "--influence", file("inf2.json", '[{"id":"x","influence":"a lot"}]')],
        /influence file .*influence/,
      ],
      [
        ["--records", recordsFile, "--output", output, "--influence", file("inf3.json", '[{"id":"nope","influence":1}]')],
        /record nope is not in the records file/,
      ],
    ];
    const flagCases = 4; // the --unexplained and --treasury cases are bad flags: exit 2
    // Three at a time: each is a separate Node process.
    for (let i = 0; i < cases.length; i += 3) {
      const batch = cases.slice(i, i + 3);
      const results = await Promise.all(batch.map(([args]) => run(...args)));
      for (const [k, r] of results.entries()) {
        expectCleanError(r, batch[k][1]);
        const n = i + k;
        if (n >= cases.length - 3 - flagCases && n < cases.length - 3) expect(r.code).toBe(2);
        if (n >= cases.length - 3) expect(r.code).toBe(1);
      }
    }
  }, 180_000);
});
