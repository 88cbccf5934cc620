import { createTreeHasher, formatHash, toHashBytes } from "./internal.ts";
import type { HashLike, HashOptions, HashOutput, To } from "./types.ts";

export type NodeHashParameters<to extends To = "hex"> = HashOptions<to> & {
  left: HashLike;
  right: HashLike;
};

/** RFC 6962 interior node hash SHA-256(0x01 ‖ left ‖ right). */
export function nodeHash<to extends To = "hex">({ left, right, sha256, to }: NodeHashParameters<to>): HashOutput<to> {
  const hash = createTreeHasher(sha256).node(toHashBytes(left, "left"), toHashBytes(right, "right"));
  return formatHash(hash, to);
}
