// Signature recovery with @noble/curves directly (no wallet, no RPC), so the extension can check σ
// against the signer the contract names without trusting the provider's word.
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { type Address, type Hex, getAddress, hexToBytes, keccak256, toHex } from "viem";
import { PekanuError } from "./errors.ts";

/** Recovers the address that produced a 65-byte (r ‖ s ‖ v) signature of `digest`. */
export function recoverSigner({ digest, signature }: { digest: Hex; signature: Hex }): Address {
  const bytes = hexToBytes(signature);
  if (bytes.length !== 65) throw new PekanuError("InvalidSignature", "signature must be 65 bytes");
  const v = bytes[64]!;
  const recovery = v >= 27 ? v - 27 : v;
  if (recovery !== 0 && recovery !== 1) throw new PekanuError("InvalidSignature", "bad recovery byte");
  // noble's "recovered" format puts the recovery byte first.
  const recovered = new Uint8Array(65);
  recovered[0] = recovery;
  recovered.set(bytes.subarray(0, 64), 1);
  let publicKey: Uint8Array;
  try {
    const sig = secp256k1.Signature.fromBytes(recovered, "recovered");
    if (sig.hasHighS()) throw new Error("high s");
    publicKey = secp256k1.recoverPublicKey(recovered, hexToBytes(digest), { prehash: false });
  } catch {
    throw new PekanuError("InvalidSignature", "signature does not recover to a public key");
  }
  const uncompressed = secp256k1.Point.fromBytes(publicKey).toBytes(false);
  return getAddress(`0x${keccak256(toHex(uncompressed.subarray(1))).slice(-40)}`);
}
