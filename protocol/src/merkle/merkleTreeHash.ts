import { createSubtreeStack, createTreeHasher, formatHash, toBytes } from "./internal.ts";
import type { HashOptions, HashOutput, Hex, To } from "./types.ts";

export type MerkleTreeHashParameters<to extends To = "hex"> = HashOptions<to> & {
  /** Raw leaf inputs D[0..n) (not hashes; each is hashed as SHA-256(0x00 ‖ d)). */
  leaves: readonly (Uint8Array | Hex)[];
};

/**
 * RFC 6962 §2.1 Merkle Tree Hash MTH(D[n]) over raw leaf inputs, e.g. the Certificate Transparency
 * test vectors. MTH({}) is SHA-256 of the empty string; a file commitment never uses it (an empty
 * file is one empty chunk, see {@link fileRootOf}).
 */
export function merkleTreeHash<to extends To = "hex">({ leaves, sha256, to }: MerkleTreeHashParameters<to>): HashOutput<to> {
  const hasher = createTreeHasher(sha256);
  if (leaves.length === 0) return formatHash(hasher.sha256(new Uint8Array(0)), to);
  const stack = createSubtreeStack(hasher);
  for (const leaf of leaves) stack.push(hasher.leaf(toBytes(leaf)));
  return formatHash(stack.root(), to);
}
