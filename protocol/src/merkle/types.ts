/** A `0x`-prefixed hex string (compatible with viem's `Hex`). */
export type Hex = `0x${string}`;

/** A 32-byte hash given either as bytes or as `0x`-prefixed hex. */
export type HashLike = Hex | Uint8Array;

/**
 * A synchronous SHA-256 implementation. It must return a new 32-byte array each call (callers keep
 * the result), never a buffer it reuses. The pure TypeScript {@link sha256} is the default; in Node
 * `nodeSha256` (node:crypto) is much faster.
 */
export type Sha256 = (data: Uint8Array) => Uint8Array;

/** Output form of hashes in the public API: `0x`-prefixed hex (default) or bytes. */
export type To = "hex" | "bytes";

/** A hash in the form selected by `to`. */
export type HashOutput<to extends To> = to extends "bytes" ? Uint8Array : Hex;

/** Options shared by the hashing functions. */
export type HashOptions<to extends To = "hex"> = {
  /** SHA-256 implementation (default: the pure TypeScript {@link sha256}). */
  sha256?: Sha256 | undefined;
  /** Output form of the hashes returned (default `"hex"`). */
  to?: to | undefined;
};
