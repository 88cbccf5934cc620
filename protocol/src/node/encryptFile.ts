import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { bytesToHex } from "../merkle/bytesToHex.ts";
import { createMerkleBuilder, type FileCommitment } from "../merkle/createMerkleBuilder.ts";
import type { Hex } from "../merkle/types.ts";
import { DEFAULT_SEGMENT_SIZE } from "../encryption/constants.ts";
import { deriveConvergentKey } from "../encryption/deriveConvergentKey.ts";
import { EncryptionError } from "../encryption/EncryptionError.ts";
import { encryptStream } from "../encryption/encryptStream.ts";
import type { EncryptionMode } from "../encryption/types.ts";
import { fileCommitment } from "./fileCommitment.ts";
import { nodeSha256 } from "./nodeSha256.ts";
import { writeVerifiedFile } from "./writeVerifiedFile.ts";

export type EncryptFileParameters = {
  /** The plaintext file. */
  path: string;
  /** Where the ciphertext goes (written to a temporary file first, renamed when complete). */
  out: string;
  /** Private mode: the 32-byte file key. Omit with `mode: "convergent"`. */
  key?: Uint8Array | undefined;
  mode: EncryptionMode;
  /** Default 64 KiB (`DEFAULT_SEGMENT_SIZE`). */
  segmentSize?: number | undefined;
};

export type EncryptFileResult = FileCommitment & {
  mode: EncryptionMode;
  /** The file key (derived from the plaintext in convergent mode). */
  key: Hex;
  plaintextSize: number;
};

/**
 * Encrypts a file on disk (docs/encryption.md) and returns the commitment of the ciphertext — the
 * `fileRoot` and `size` a quote and receipt name. Streams: memory is a few segments. Convergent mode
 * reads the file twice (plaintext root → key, then encrypt) and fails with `SizeMismatch` if the file
 * changed in between.
 *
 * @example
 * const { root, key } = await encryptFile({ path: "a.pdf", out: "a.pdf.pkne", mode: "convergent" })
 */
export async function encryptFile({ path, out, key, mode, segmentSize = DEFAULT_SEGMENT_SIZE }: EncryptFileParameters): Promise<EncryptFileResult> {
  let fileKey: Uint8Array;
  let plaintextRoot: Hex | undefined;
  if (mode === "convergent") {
    if (key !== undefined) throw new EncryptionError("InvalidParameter", "convergent mode derives its key from the file; do not pass one");
    plaintextRoot = (await fileCommitment({ path })).root;
    fileKey = deriveConvergentKey({ plaintextRoot });
  } else {
    if (key === undefined) throw new EncryptionError("InvalidKey", "private mode needs a 32-byte key");
    fileKey = key;
  }
  const { size: plaintextSize } = await stat(path);
  const plaintextBuilder = createMerkleBuilder({ sha256: nodeSha256 });
  const source = (async function* () {
    for await (const piece of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
      if (plaintextRoot !== undefined) plaintextBuilder.update(piece);
      yield piece;
    }
  })();
  const builder = createMerkleBuilder({ sha256: nodeSha256 });
  await writeVerifiedFile({
    path: out,
    pieces: (async function* () {
      for await (const piece of encryptStream({ key: fileKey, mode, plaintextSize, source, segmentSize })) {
        builder.update(piece);
        yield piece;
      }
      if (plaintextRoot !== undefined && plaintextBuilder.digest().root !== plaintextRoot) {
        throw new EncryptionError("SizeMismatch", "the file changed while it was being encrypted");
      }
    })(),
  });
  return { ...builder.digest(), mode, key: bytesToHex(fileKey), plaintextSize };
}
