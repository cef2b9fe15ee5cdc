/**
 * The Merkle tree anchored on chain for each contribution.
 *
 * Choice: OpenZeppelin's StandardMerkleTree with one leaf per record, encoding
 * `(uint256 position, bytes32 recordHash)` where `recordHash = keccak256(utf8(text))` and
 * `position` is the record's index in its contribution. So
 *
 *   leaf = keccak256(bytes.concat(keccak256(abi.encode(position, recordHash))))
 *
 * and inner nodes hash sorted pairs. The double-hashed leaf means no 64-byte record can pose as
 * an inner node, and a proof verifies on chain with OpenZeppelin's
 * `MerkleProof.verify(proof, root, leaf)` computed as above. Sorted-pair hashing alone would let
 * siblings swap places under the same root; putting the position in the leaf makes the root
 * commit to every record's place, and so to its on-chain record id (`firstRecordId + position`),
 * which decides who published a text first.
 */
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { encodeAbiParameters, type Hex, keccak256 } from "viem";

const LEAF_ENCODING = ["uint256", "bytes32"];

type Leaf = [bigint, Hex];

/** The tree of a contribution, built from its record hashes in order. */
export function contributionTree(recordHashes: readonly Hex[]): StandardMerkleTree<Leaf> {
  if (recordHashes.length === 0) throw new RangeError("a contribution tree needs at least one record");
  return StandardMerkleTree.of(
    recordHashes.map((hash, position): Leaf => [BigInt(position), hash]),
    LEAF_ENCODING,
    { sortLeaves: false },
  );
}

/** The Merkle root anchored on chain for these record hashes (in contribution order). */
export function contributionRoot(recordHashes: readonly Hex[]): Hex {
  return contributionTree(recordHashes).root as Hex;
}

/** The leaf of the record at `position`, as Solidity computes it for `MerkleProof.verify`. */
export function recordLeaf(position: number, recordHash: Hex): Hex {
  return keccak256(keccak256(encodeAbiParameters([{ type: "uint256" }, { type: "bytes32" }], [BigInt(position), recordHash])));
}

/** The proof that the record at `position` belongs to the contribution of these record hashes. */
export function recordProof(recordHashes: readonly Hex[], position: number): Hex[] {
  if (!Number.isInteger(position) || position < 0 || position >= recordHashes.length) {
    throw new RangeError(`no record at position ${position} of ${recordHashes.length}`);
  }
  return contributionTree(recordHashes).getProof(position) as Hex[];
}

/** Whether `proof` shows that `recordHash` is the record at `position` under `root`. */
export function verifyRecordProof(root: Hex, position: number, recordHash: Hex, proof: readonly Hex[]): boolean {
  return StandardMerkleTree.verify(root, LEAF_ENCODING, [BigInt(position), recordHash], [...proof]);
}
