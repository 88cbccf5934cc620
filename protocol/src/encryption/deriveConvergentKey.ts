import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { hexToBytes } from "../merkle/hexToBytes.ts";
import type { HashLike } from "../merkle/types.ts";
import { ENCRYPTION_LABELS, FILE_KEY_SIZE } from "./constants.ts";
import { EncryptionError } from "./EncryptionError.ts";
import { utf8 } from "./internal.ts";

export type DeriveConvergentKeyParameters = {
  /**
   * The plaintext's commitment root (RFC 6962 Merkle tree hash over its 1024-byte chunks, the same
   * function as `fileRoot`), computed over the *plaintext*. It never leaves the client.
   */
  plaintextRoot: HashLike;
};

/**
 * The convergent file key of a plaintext: HKDF-SHA256(ikm = plaintext root, salt = "pekanu/encryption/v1/convergent",
 * info = "pekanu/encryption/v1/convergent file key"). Identical files give identical keys, hence (with the
 * deterministic header of convergent mode) identical ciphertexts and roots.
 *
 * @example
 * const { root } = await fileCommitment({ path }) // over the plaintext
 * const key = deriveConvergentKey({ plaintextRoot: root })
 */
export function deriveConvergentKey({ plaintextRoot }: DeriveConvergentKeyParameters): Uint8Array {
  const root = typeof plaintextRoot === "string" ? hexToBytes(plaintextRoot) : plaintextRoot;
  if (root.length !== 32) throw new EncryptionError("InvalidParameter", `plaintext root must be 32 bytes, got ${root.length}`);
  return hkdf(sha256, root, utf8(ENCRYPTION_LABELS.convergentSalt), utf8(ENCRYPTION_LABELS.convergentInfo), FILE_KEY_SIZE);
}
