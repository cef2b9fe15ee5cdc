/**
 * The Merkle tree anchored on chain for each contribution.
 *
 * Choice: OpenZeppelin's StandardMerkleTree with one leaf per record, encoding
 * `(address contributor, uint256 position, bytes32 recordHash)` where `recordHash =
 * keccak256(utf8(text))`, `position` is the record's index in its contribution and `contributor`
 * is the account that sends `addContribution`. So
 *
 *   leaf = keccak256(bytes.concat(keccak256(abi.encode(contributor, position, recordHash))))
 *
 * and inner nodes hash sorted pairs. The double-hashed leaf means no 64-byte record can pose as
 * an inner node, and a proof verifies on chain with OpenZeppelin's
 * `MerkleProof.verify(proof, root, leaf)` computed as above. Sorted-pair hashing alone would let
 * siblings swap places under the same root; putting the position in the leaf makes the root
 * commit to every record's place, and so to its on-chain record id (`firstRecordId + position`),
 * which decides who published a text first. Putting the contributor in the leaf binds the root to
 * its sender: a copy of the transaction sent by anyone else (front-running it from the mempool to
 * take the earlier record ids) anchors a root that proves no record under the copier's
 * contribution, so the server refuses to store records under it and no proof names the copier.
 */
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { type Address, encodeAbiParameters, getAddress, type Hex, keccak256 } from "viem";

const LEAF_ENCODING = ["address", "uint256", "bytes32"];

type Leaf = [Address, bigint, Hex];

/** The tree of `contributor`'s contribution, built from its record hashes in order. */
export function contributionTree(contributor: Address, recordHashes: readonly Hex[]): StandardMerkleTree<Leaf> {
  if (recordHashes.length === 0) throw new RangeError("a contribution tree needs at least one record");
  const sender = getAddress(contributor);
  return StandardMerkleTree.of(
    recordHashes.map((hash, position): Leaf => [sender, BigInt(position), hash]),
    LEAF_ENCODING,
    { sortLeaves: false },
  );
}

/** The Merkle root `contributor` anchors on chain for these record hashes (in contribution order). */
export function contributionRoot(contributor: Address, recordHashes: readonly Hex[]): Hex {
  return contributionTree(contributor, recordHashes).root as Hex;
}

/** The leaf of the record at `position` of `contributor`'s contribution, as Solidity computes it for `MerkleProof.verify`. */
export function recordLeaf(contributor: Address, position: number, recordHash: Hex): Hex {
  return keccak256(
    keccak256(
      encodeAbiParameters([{ type: "address" }, { type: "uint256" }, { type: "bytes32" }], [contributor, BigInt(position), recordHash]),
    ),
  );
}

/** The proof that the record at `position` belongs to `contributor`'s contribution of these record hashes. */
export function recordProof(contributor: Address, recordHashes: readonly Hex[], position: number): Hex[] {
  if (!Number.isInteger(position) || position < 0 || position >= recordHashes.length) {
    throw new RangeError(`no record at position ${position} of ${recordHashes.length}`);
  }
  return contributionTree(contributor, recordHashes).getProof(position) as Hex[];
}

/** Whether `proof` shows that `recordHash` is the record at `position` of `contributor`'s contribution under `root`. */
export function verifyRecordProof(root: Hex, contributor: Address, position: number, recordHash: Hex, proof: readonly Hex[]): boolean {
  return StandardMerkleTree.verify(root, LEAF_ENCODING, [getAddress(contributor), BigInt(position), recordHash], [...proof]);
}
