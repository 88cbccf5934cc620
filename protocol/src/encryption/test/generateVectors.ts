// Regenerates vectors.json with the node:crypto reference implementation:
//   node protocol/src/encryption/test/generateVectors.ts
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { fileRootOf } from "../../merkle/fileRootOf.ts";
import { nodeSha256 } from "../../node/nodeSha256.ts";
import { patternPlaintext, referenceConvergentKey, referenceEncrypt, sha256Hex } from "./reference.ts";

const hex = (b: Uint8Array) => `0x${Buffer.from(b).toString("hex")}`;
const fixedKey = Uint8Array.from({ length: 32 }, (_, i) => i);
const fixedSalt = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);

const cases = [
  { name: "private, empty file", mode: "private", size: 0, segmentSize: 1024 },
  { name: "private, 1 byte", mode: "private", size: 1, segmentSize: 1024 },
  { name: "private, segment - 1", mode: "private", size: 1023, segmentSize: 1024 },
  { name: "private, one full segment", mode: "private", size: 1024, segmentSize: 1024 },
  { name: "private, segment + 1", mode: "private", size: 1025, segmentSize: 1024 },
  { name: "private, three segments", mode: "private", size: 3000, segmentSize: 1024 },
  { name: "convergent, two full segments", mode: "convergent", size: 2048, segmentSize: 1024 },
  { name: "convergent, default segment size", mode: "convergent", size: 5000, segmentSize: 1 << 16 },
] as const;

const vectors = cases.map(({ name, mode, size, segmentSize }) => {
  const plaintext = patternPlaintext(size);
  const plaintextRoot = fileRootOf(plaintext, { sha256: nodeSha256, to: "bytes" });
  const key = mode === "private" ? fixedKey : referenceConvergentKey(plaintextRoot);
  const salt = mode === "private" ? fixedSalt : new Uint8Array(16);
  const ciphertext = referenceEncrypt({ key, mode, salt, segmentSize, plaintext });
  return {
    name,
    mode,
    segmentSize,
    plaintext: `pattern(${size})`,
    plaintextSize: size,
    plaintextRoot: hex(plaintextRoot),
    key: hex(key),
    salt: hex(salt),
    header: hex(ciphertext.subarray(0, 100)),
    ciphertextSize: ciphertext.length,
    ciphertextSha256: sha256Hex(ciphertext),
    fileRoot: fileRootOf(ciphertext, { sha256: nodeSha256 }),
    ciphertext: hex(ciphertext),
  };
});

const out = fileURLToPath(new URL("./vectors.json", import.meta.url));
writeFileSync(
  out,
  `${JSON.stringify({ description: "Pekanu encryption format v1 test vectors (docs/encryption.md). plaintext pattern(n): byte i = (31*i + 7) mod 256.", vectors }, null, 2)}\n`,
);
console.log(`wrote ${vectors.length} vectors to ${out}`);
