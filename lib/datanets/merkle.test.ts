import { concat, keccak256 } from "viem";
import { describe, expect, it } from "vitest";
import { contributionRoot, recordLeaf, recordProof, verifyRecordProof } from "./merkle";
import { hashRecord } from "./records";

const hashes = [
  "It was the best of times",
  "it was the worst of times",
  "it was the age of wisdom",
  "it was the age of foolishness",
  "it was the epoch of belief",
].map(hashRecord);

describe("contribution Merkle tree", () => {
  it("proves every record at its position, and no other text", () => {
    const root = contributionRoot(hashes);
    hashes.forEach((hash, position) => {
      const proof = recordProof(hashes, position);
      expect(verifyRecordProof(root, position, hash, proof)).toBe(true);
      expect(verifyRecordProof(root, position, hashRecord("it was the season of Light"), proof)).toBe(false);
    });
  });

  it("commits to each record's position, also between siblings", () => {
    const swapped = [hashes[1], hashes[0], ...hashes.slice(2)];
    expect(contributionRoot(swapped)).not.toBe(contributionRoot(hashes));
    const root = contributionRoot(hashes);
    expect(verifyRecordProof(root, 1, hashes[0], recordProof(hashes, 0))).toBe(false);
  });

  it("folds a proof from the Solidity leaf with sorted-pair hashing (what MerkleProof.verify does)", () => {
    const root = contributionRoot(hashes);
    const position = 3;
    let node = recordLeaf(position, hashes[position]);
    for (const sibling of recordProof(hashes, position)) {
      node = keccak256(node < sibling ? concat([node, sibling]) : concat([sibling, node]));
    }
    expect(node).toBe(root);
  });

  it("a single record is its own tree; an empty one has no root", () => {
    expect(contributionRoot([hashes[0]])).toBe(recordLeaf(0, hashes[0]));
    expect(() => contributionRoot([])).toThrow(RangeError);
  });
});
