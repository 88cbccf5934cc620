import { createReadStream } from "node:fs";
import { createMerkleBuilder, type FileCommitment } from "../merkle/createMerkleBuilder.ts";
import { decryptStream } from "../encryption/decryptStream.ts";
import type { EncryptionHeader } from "../encryption/types.ts";
import { nodeSha256 } from "./nodeSha256.ts";
import { writeVerifiedFile } from "./writeVerifiedFile.ts";

export type DecryptFileParameters = {
  /** The encrypted file. */
  path: string;
  /** Where the plaintext goes: it appears only once every segment verified. */
  out: string;
  /** The 32-byte file key. */
  key: Uint8Array;
};

export type DecryptFileResult = FileCommitment & {
  /** The authenticated header. */
  header: EncryptionHeader;
};

/**
 * Decrypts a file on disk, verifying every segment, and returns the commitment of the *ciphertext*
 * (to compare with a receipt's `fileRoot`). On any error `out` is not created (nor replaced).
 *
 * @throws {EncryptionError} as `decryptStream` (wrong key, tampered or truncated file …).
 * @example
 * const { root } = await decryptFile({ path: "a.pdf.pkne", out: "a.pdf", key })
 */
export async function decryptFile({ path, out, key }: DecryptFileParameters): Promise<DecryptFileResult> {
  const builder = createMerkleBuilder({ sha256: nodeSha256 });
  let header: EncryptionHeader | undefined;
  const source = (async function* () {
    for await (const piece of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
      builder.update(piece);
      yield piece;
    }
  })();
  await writeVerifiedFile({ path: out, pieces: decryptStream({ key, source, onHeader: (h) => (header = h) }) });
  return { ...builder.digest(), header: header! };
}
