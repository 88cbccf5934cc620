import { createTreeHasher, formatHash, toHashBytes } from "./internal.ts";
import { MerkleError } from "./MerkleError.ts";
import type { HashLike, HashOptions, HashOutput, To } from "./types.ts";

export type FoldSubtreeRootsParameters<to extends To = "hex"> = HashOptions<to> & {
  /**
   * Roots of consecutive runs of chunks, in file order: every run but the last holds the same
   * power-of-two number of chunks (2^k) and starts at a multiple of it; the last holds 1..2^k.
   */
  roots: readonly HashLike[];
};

/**
 * The file root from the roots of its aligned segments (e.g. 4 MiB each, hashed in parallel).
 * Aligned power-of-two runs are exactly the complete subtrees of RFC 6962's tree, so pairing the
 * roots level by level, carrying an odd last one up unchanged, gives the same MTH as hashing the
 * whole file at once.
 *
 * @throws {MerkleError} `EmptyTree` with no roots, `InvalidHashLength` for a root that is not 32 bytes.
 */
export function foldSubtreeRoots<to extends To = "hex">({ roots, sha256, to }: FoldSubtreeRootsParameters<to>): HashOutput<to> {
  if (roots.length === 0) throw new MerkleError("EmptyTree", "no subtree roots to fold");
  const hasher = createTreeHasher(sha256);
  let level = roots.map((root, i) => toHashBytes(root, `roots[${i}]`));
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(hasher.node(level[i]!, level[i + 1]!));
    if (level.length % 2 === 1) next.push(level[level.length - 1]!);
    level = next;
  }
  return formatHash(level[0]!, to);
}
