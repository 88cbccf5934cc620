// An independent implementation of the encryption format with node:crypto (HKDF, HMAC, AES-256-GCM),
// written from docs/encryption.md; the test vectors are generated with it and the WebCrypto
// implementation must agree byte for byte.
import { createCipheriv, createHash, createHmac, hkdfSync } from "node:crypto";

const label = (s: string) => Buffer.from(s, "utf8");
const hkdf = (ikm: Uint8Array, salt: Uint8Array, info: Uint8Array) => Buffer.from(hkdfSync("sha256", ikm, salt, info, 32));

export function referenceConvergentKey(plaintextRoot: Uint8Array): Buffer {
  return hkdf(plaintextRoot, label("pekanu/encryption/v1/convergent"), label("pekanu/encryption/v1/convergent file key"));
}

export function referenceEncrypt({
  key,
  mode,
  salt,
  segmentSize,
  plaintext,
}: {
  key: Uint8Array;
  mode: "private" | "convergent";
  salt: Uint8Array;
  segmentSize: number;
  plaintext: Uint8Array;
}): Buffer {
  const header = Buffer.alloc(100);
  header.write("PKNE", 0, "latin1");
  header[4] = 1;
  header[5] = mode === "private" ? 1 : 2;
  header.writeUInt32BE(segmentSize, 8);
  header.writeBigUInt64BE(BigInt(plaintext.length), 12);
  Buffer.from(salt).copy(header, 20);
  hkdf(key, salt, label("pekanu/encryption/v1/key check")).copy(header, 36);
  const macKey = hkdf(key, salt, label("pekanu/encryption/v1/header mac"));
  createHmac("sha256", macKey).update(header.subarray(0, 68)).digest().copy(header, 68);
  const segmentKey = hkdf(key, salt, Buffer.concat([label("pekanu/encryption/v1/segment key"), header.subarray(0, 36)]));

  const count = Math.max(1, Math.ceil(plaintext.length / segmentSize));
  const out: Buffer[] = [header];
  for (let i = 0; i < count; i++) {
    const nonce = Buffer.alloc(12);
    nonce.writeBigUInt64BE(BigInt(i), 0);
    nonce[11] = i === count - 1 ? 1 : 0;
    const cipher = createCipheriv("aes-256-gcm", segmentKey, nonce);
    out.push(cipher.update(plaintext.subarray(i * segmentSize, (i + 1) * segmentSize)), cipher.final(), cipher.getAuthTag());
  }
  return Buffer.concat(out);
}

export const sha256Hex = (bytes: Uint8Array) => `0x${createHash("sha256").update(bytes).digest("hex")}`;

/** Deterministic test plaintext: byte i = (31·i + 7) mod 256. */
export function patternPlaintext(size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (31 * i + 7) & 0xff;
  return out;
}
