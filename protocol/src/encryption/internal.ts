// Shared internals of the encryption format (not exported from the package).
import { expand, extract } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { ENCRYPTION_LABELS, FILE_KEY_SIZE, MAX_SEGMENT_SIZE, MIN_SEGMENT_SIZE } from "./constants.ts";
import { EncryptionError } from "./EncryptionError.ts";

const encoder = new TextEncoder();
export const utf8 = (text: string): Uint8Array => encoder.encode(text);

/** Header bytes covered by the MAC (everything before it). */
export const MAC_OFFSET = 68;
/** Header bytes bound into the segment key (magic … salt). */
export const PARAMS_END = 36;

export function subtle(): SubtleCrypto {
  const value = globalThis.crypto?.subtle;
  if (!value) throw new EncryptionError("InvalidParameter", "WebCrypto (crypto.subtle) is not available here");
  return value;
}

export function checkKey(key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length !== FILE_KEY_SIZE) {
    throw new EncryptionError("InvalidKey", `a file key is ${FILE_KEY_SIZE} bytes, got ${key instanceof Uint8Array ? key.length : typeof key}`);
  }
}

export function checkSegmentSize(segmentSize: number): void {
  if (
    !Number.isSafeInteger(segmentSize) ||
    segmentSize < MIN_SEGMENT_SIZE ||
    segmentSize > MAX_SEGMENT_SIZE ||
    (segmentSize & (segmentSize - 1)) !== 0
  ) {
    throw new EncryptionError("InvalidParameter", `segment size must be a power of two from ${MIN_SEGMENT_SIZE} to ${MAX_SEGMENT_SIZE}, got ${segmentSize}`);
  }
}

export function checkSize(size: number, what = "plaintext size"): void {
  if (!Number.isSafeInteger(size) || size < 0) throw new EncryptionError("InvalidParameter", `${what} must be a non-negative safe integer, got ${size}`);
}

/** HKDF-Extract of the file key with the header's salt; every per-file key is expanded from it. */
export function filePrk(key: Uint8Array, salt: Uint8Array): Uint8Array {
  checkKey(key);
  return extract(sha256, key, salt);
}

export function keyCheckOf(prk: Uint8Array): Uint8Array {
  return expand(sha256, prk, utf8(ENCRYPTION_LABELS.keyCheck), 32);
}

export function headerMacKeyOf(prk: Uint8Array): Uint8Array {
  return expand(sha256, prk, utf8(ENCRYPTION_LABELS.headerMac), 32);
}

/** The AES-256-GCM key of the segments, bound to the header's parameters (so one key never meets two layouts). */
export function segmentKeyBytesOf(prk: Uint8Array, header: Uint8Array): Uint8Array {
  const label = utf8(ENCRYPTION_LABELS.segmentKey);
  const info = new Uint8Array(label.length + PARAMS_END);
  info.set(label);
  info.set(header.subarray(0, PARAMS_END), label.length);
  return expand(sha256, prk, info, 32);
}

/** 12-byte GCM nonce: segment index (u64 big-endian), three zero bytes, final flag (1 on the last segment). */
export function segmentNonce(index: number, final: boolean): Uint8Array<ArrayBuffer> {
  const nonce = new Uint8Array(12);
  const view = new DataView(nonce.buffer);
  view.setUint32(0, Math.floor(index / 2 ** 32));
  view.setUint32(4, index >>> 0);
  nonce[11] = final ? 1 : 0;
  return nonce;
}

export function writeUint64(view: DataView, offset: number, value: number): void {
  view.setUint32(offset, Math.floor(value / 2 ** 32));
  view.setUint32(offset + 4, value >>> 0);
}

export function readUint64(view: DataView, offset: number): number {
  return view.getUint32(offset) * 2 ** 32 + view.getUint32(offset + 4);
}

/** Constant-time comparison of two equal-length byte arrays. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** A view the WebCrypto typings accept (an ArrayBuffer-backed Uint8Array). */
export function asBufferSource(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes as Uint8Array<ArrayBuffer>;
}
