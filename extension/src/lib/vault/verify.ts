// σ and quote-signature checks against the signer the contract names, with protocol's
// verifyReceipt / verifyQuote (the one definition of the EIP-712 messages and of recovery).
//
// Bulk import checks thousands of σ from one signer: `createBatchVerifier` recovers the signer's
// public key once (with protocol's recoverSigner, and checks it maps to the signer's address),
// then verifies each further signature against that key with precomputed tables — the same
// acceptance as recovery (low s, r = R.x, recovery bit = parity of R.y), about 2–3× cheaper. Any
// signature the fast path does not accept goes through protocol's verifyReceipt/verifyQuote, which
// decides and names the key that did sign.
import {
  PekanuError,
  quoteDigest,
  quoteJson,
  receiptDigest,
  receiptFor,
  recoverSigner,
  verifyQuote,
  verifyReceipt,
  type Quote,
} from "@pekanu/protocol";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import type { Address, Hex, QuoteJson } from "../flow.ts";

export function quoteFromJson(json: QuoteJson): Quote {
  return quoteJson.parse(json) as Quote;
}

export function quoteToJson(quote: Quote): QuoteJson {
  return {
    orderId: quote.orderId,
    client: quote.client,
    fileRoot: quote.fileRoot,
    size: quote.size.toString(),
    price: quote.price.toString(),
    fine: quote.fine.toString(),
    storageUntil: quote.storageUntil.toString(),
    expiresAt: quote.expiresAt.toString(),
  };
}

export type SignedSubject =
  | { kind: "receipt"; chainId: number; contract: Address; quote: QuoteJson; link: string; signature: Hex }
  | { kind: "quote"; chainId: number; contract: Address; quote: QuoteJson; signature: Hex };

export type SignatureCheck =
  | { ok: true; signer: Address; retired: boolean }
  | { ok: false; recovered: Address | null; problem: string };

function sameAddress(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

function digestOf(subject: SignedSubject): Hex {
  const domain = { chainId: subject.chainId, verifyingContract: subject.contract };
  const quote = quoteFromJson(subject.quote);
  return subject.kind === "receipt"
    ? receiptDigest({ domain, receipt: receiptFor({ quote, link: subject.link }) })
    : quoteDigest({ domain, quote });
}

/**
 * Checks σ (or a quote signature) against `signer`. A signature by a key in `acceptRetired` (a
 * signer the contract rotated out after this order was paid, still valid for it) is accepted and
 * flagged `retired`.
 */
export function checkSignature(
  subject: SignedSubject,
  signer: Address,
  acceptRetired: readonly Address[] = [],
): SignatureCheck {
  const domain = { chainId: subject.chainId, verifyingContract: subject.contract };
  try {
    const quote = quoteFromJson(subject.quote);
    if (subject.kind === "receipt") {
      verifyReceipt({ domain, receipt: receiptFor({ quote, link: subject.link }), signature: subject.signature, signer });
    } else {
      verifyQuote({ domain, quote, signature: subject.signature, signer });
    }
    return { ok: true, signer, retired: false };
  } catch (err) {
    if (err instanceof PekanuError && (err.code === "ReceiptSignerMismatch" || err.code === "QuoteSignerMismatch")) {
      const recovered = recoverSigner({ digest: digestOf(subject), signature: subject.signature });
      const retired = acceptRetired.find((a) => sameAddress(a, recovered));
      if (retired) return { ok: true, signer: retired, retired: true };
      return { ok: false, recovered, problem: err.message };
    }
    if (err instanceof PekanuError) return { ok: false, recovered: null, problem: err.message };
    return { ok: false, recovered: null, problem: `malformed record: ${err instanceof Error ? err.message : String(err)}` };
  }
}

// ── bulk verification ──

const Point = secp256k1.Point;
const Fn = Point.Fn;
const HALF_N = Fn.ORDER >> 1n;
let fastBase: InstanceType<typeof Point> | null = null;

function bytesToBigInt(bytes: Uint8Array): bigint {
  let hex = "0x";
  for (let i = 0; i < bytes.length; i++) hex += (bytes[i]! < 16 ? "0" : "") + bytes[i]!.toString(16);
  return BigInt(hex);
}

function hexToBytes(hex: string): Uint8Array {
  const clean = hex.startsWith("0x") ? hex.slice(2) : hex;
  const out = new Uint8Array(clean.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export type BatchVerifier = {
  readonly signer: Address;
  check(subject: SignedSubject, acceptRetired?: readonly Address[]): SignatureCheck;
};

/** A verifier for many signatures by one signer (see the header). */
export function createBatchVerifier(signer: Address): BatchVerifier {
  let publicPoint: InstanceType<typeof Point> | null = null;

  function fastCheck(digest: Hex, signature: Hex): boolean {
    if (!publicPoint) return false;
    if (!/^0x[0-9a-fA-F]{130}$/.test(signature)) return false;
    const bytes = hexToBytes(signature);
    const v = bytes[64]!;
    const recovery = v >= 27 ? v - 27 : v;
    if (recovery !== 0 && recovery !== 1) return false;
    const r = bytesToBigInt(bytes.subarray(0, 32));
    const s = bytesToBigInt(bytes.subarray(32, 64));
    if (r <= 0n || r >= Fn.ORDER || s <= 0n || s > HALF_N) return false;
    const e = Fn.create(bytesToBigInt(hexToBytes(digest)));
    const sInv = Fn.inv(s);
    if (!fastBase) {
      fastBase = Point.fromAffine(Point.BASE.toAffine());
      fastBase.precompute(8, false);
    }
    const R = fastBase.multiplyUnsafe(Fn.create(e * sInv)).add(publicPoint.multiplyUnsafe(Fn.create(r * sInv)));
    if (R.is0()) return false;
    const { x, y } = R.toAffine();
    // Same acceptance as recovery with this (r, s, v): R.x = r exactly and R.y's parity = v.
    return x === r && Number(y & 1n) === recovery;
  }

  return {
    signer,
    check(subject, acceptRetired = []) {
      let digest: Hex;
      try {
        digest = digestOf(subject);
      } catch (err) {
        return { ok: false, recovered: null, problem: `malformed record: ${err instanceof Error ? err.message : String(err)}` };
      }
      if (fastCheck(digest, subject.signature)) return { ok: true, signer, retired: false };
      const result = checkSignature(subject, signer, acceptRetired);
      if (result.ok && !result.retired && !publicPoint) {
        // Learn the signer's key from a signature protocol's check accepted, then go fast.
        const recoveredKey = secp256k1.recoverPublicKey(
          recoveredForm(subject.signature),
          hexToBytes(digest),
          { prehash: false },
        );
        const point = Point.fromBytes(recoveredKey);
        if (sameAddress(recoverSigner({ digest, signature: subject.signature }), signer)) {
          point.precompute(8, false);
          publicPoint = point;
        }
      }
      return result;
    },
  };
}

function recoveredForm(signature: Hex): Uint8Array {
  const bytes = hexToBytes(signature);
  const out = new Uint8Array(65);
  const v = bytes[64]!;
  out[0] = v >= 27 ? v - 27 : v;
  out.set(bytes.subarray(0, 64), 1);
  return out;
}
