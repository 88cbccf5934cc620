/**
 * Chromium derives an unpacked extension's id from the manifest `key` (the
 * base64 DER SubjectPublicKeyInfo of an RSA key): the first 16 bytes of
 * sha256(DER), written as 32 hex digits mapped 0-f → a-p.
 */
import { createHash } from "node:crypto";

export function extensionIdFromManifestKey(manifestKeyBase64: string): string {
  const der = Buffer.from(manifestKeyBase64, "base64");
  const hex = createHash("sha256").update(der).digest("hex").slice(0, 32);
  return [...hex].map((digit) => String.fromCharCode(97 + Number.parseInt(digit, 16))).join("");
}
