import { concat, keccak256 } from "viem";
import { describe, expect, it } from "vitest";
import { devAccounts } from "@/lib/chain/devAccounts";
import { contributionRoot, recordLeaf, recordProof, verifyRecordProof } from "./merkle";
import { hashRecord } from "./records";

const hashes = [
  "It was the best of times",
  "it was the worst of times",
  "it was the age of wisdom",
  "it was the age of foolishness",
  "it was the epoch of belief",
].map(hashRecord);
const alice = devAccounts[3].address;
const bob = devAccounts[4].address;

describe("contribution Merkle tree", () => {
  it("proves every record at its position, and no other text", () => {
    const root = contributionRoot(alice, hashes);
    hashes.forEach((hash, position) => {
      const proof = recordProof(alice, hashes, position);
      expect(verifyRecordProof(root, alice, position, hash, proof)).toBe(true);
      expect(verifyRecordProof(root, alice, position, hashRecord("it was the season of Light"), proof)).toBe(false);
    });
  });

  it("commits to each record's position, also between siblings", () => {
    const swapped = [hashes[1], hashes[0], ...hashes.slice(2)];
    expect(contributionRoot(alice, swapped)).not.toBe(contributionRoot(alice, hashes));
    const root = contributionRoot(alice, hashes);
    expect(verifyRecordProof(root, alice, 1, hashes[0], recordProof(alice, hashes, 0))).toBe(false);
  });

  it("commits to the contributor: the same records under another sender have another root and prove nothing for it (issue 10, item 7)", () => {
    const root = contributionRoot(alice, hashes);
    expect(contributionRoot(bob, hashes)).not.toBe(root);
    expect(contributionRoot(alice.toLowerCase() as typeof alice, hashes)).toBe(root);
    hashes.forEach((hash, position) => {
      expect(verifyRecordProof(root, bob, position, hash, recordProof(alice, hashes, position))).toBe(false);
    });
  });

  it("folds a proof from the Solidity leaf with sorted-pair hashing (what MerkleProof.verify does)", () => {
    const root = contributionRoot(alice, hashes);
    const position = 3;
    let node = recordLeaf(alice, position, hashes[position]);
    for (const sibling of recordProof(alice, hashes, position)) {
      node = keccak256(node < sibling ? concat([node, sibling]) : concat([sibling, node]));
    }
    expect(node).toBe(root);
  });

  it("a single record is its own tree; an empty one has no root", () => {
    expect(contributionRoot(alice, [hashes[0]])).toBe(recordLeaf(alice, 0, hashes[0]));
    expect(() => contributionRoot(alice, [])).toThrow(RangeError);
  });
});
