import { createByteReader, type ByteSource } from "./byteReader.ts";
import { DEFAULT_SEGMENT_SIZE } from "./constants.ts";
import { createEncryptionHeader } from "./createEncryptionHeader.ts";
import { EncryptionError } from "./EncryptionError.ts";
import { encryptSegment } from "./encryptSegment.ts";
import { importSegmentKey } from "./importSegmentKey.ts";
import { segmentCount } from "./segmentCount.ts";
import { segmentPlaintextLength } from "./segmentPlaintextLength.ts";
import type { EncryptionMode } from "./types.ts";

export type EncryptStreamParameters = {
  /** The 32-byte file key (`generateFileKey` for private mode, `deriveConvergentKey` for convergent mode). */
  key: Uint8Array;
  mode: EncryptionMode;
  /** The plaintext's size; the source must yield exactly this many bytes (`SizeMismatch` otherwise). */
  plaintextSize: number;
  /** The plaintext, in pieces of any size. */
  source: ByteSource;
  /** Default {@link DEFAULT_SEGMENT_SIZE}. */
  segmentSize?: number | undefined;
  /** Private mode only, for test vectors: the header salt (default random). */
  salt?: Uint8Array | undefined;
  /** Segments encrypted at once (default 4); memory is about `concurrency` segments. */
  concurrency?: number | undefined;
};

/**
 * Encrypts a plaintext stream: yields the 100-byte header, then each segment's ciphertext (plaintext +
 * 16-byte tag), in order. Memory stays bounded by a few segments whatever the file size. The bytes
 * yielded, concatenated, are the file the provider stores and the commitment covers.
 *
 * @throws {EncryptionError} `SizeMismatch` when the source yields more or fewer bytes than `plaintextSize`.
 * @example
 * for await (const piece of encryptStream({ key, mode: "private", plaintextSize: size, source })) builder.update(piece)
 */
export async function* encryptStream({
  key,
  mode,
  plaintextSize,
  source,
  segmentSize = DEFAULT_SEGMENT_SIZE,
  salt,
  concurrency = 4,
}: EncryptStreamParameters): AsyncGenerator<Uint8Array, void, undefined> {
  const header = createEncryptionHeader({ key, mode, plaintextSize, segmentSize, salt });
  const cryptoKey = await importSegmentKey({ key, header });
  const count = segmentCount({ plaintextSize, segmentSize });
  yield header;

  const reader = createByteReader(source);
  const pending: Promise<Uint8Array>[] = [];
  try {
    for (let index = 0; index < count; index++) {
      const length = segmentPlaintextLength({ plaintextSize, segmentSize, index });
      const plaintext = await reader.read(length);
      if (plaintext.length < length) {
        throw new EncryptionError("SizeMismatch", `the plaintext ended at segment ${index}, before the ${plaintextSize} bytes announced`, { segment: index });
      }
      const sealed = encryptSegment({ cryptoKey, index, final: index === count - 1, plaintext });
      sealed.catch(() => {}); // awaited below, in order; this only marks it handled meanwhile
      pending.push(sealed);
      while (pending.length >= Math.max(1, concurrency)) yield await pending.shift()!;
    }
    if (!(await reader.atEnd())) throw new EncryptionError("SizeMismatch", `the plaintext is longer than the ${plaintextSize} bytes announced`);
    while (pending.length > 0) yield await pending.shift()!;
  } finally {
    await reader.close();
  }
}
