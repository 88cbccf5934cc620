import { createByteReader, type ByteSource } from "./byteReader.ts";
import { ENCRYPTION_HEADER_SIZE, ENCRYPTION_TAG_SIZE } from "./constants.ts";
import { EncryptionError } from "./EncryptionError.ts";
import { decryptSegment } from "./decryptSegment.ts";
import { importSegmentKey } from "./importSegmentKey.ts";
import { segmentCount } from "./segmentCount.ts";
import { segmentPlaintextLength } from "./segmentPlaintextLength.ts";
import type { EncryptionHeader } from "./types.ts";
import { verifyEncryptionHeader } from "./verifyEncryptionHeader.ts";

export type DecryptStreamParameters = {
  /** The 32-byte file key. */
  key: Uint8Array;
  /** The ciphertext, in pieces of any size. */
  source: ByteSource;
  /** Called once the header is authenticated, before any plaintext is yielded. */
  onHeader?: ((header: EncryptionHeader) => void) | undefined;
  /** Segments decrypted at once (default 4). */
  concurrency?: number | undefined;
};

/** How far from its position a segment that fails is looked for, to report a reordering. */
const REORDER_WINDOW = 64;

/**
 * Decrypts a ciphertext stream: authenticates the header, then yields each segment's plaintext in
 * order, each authenticated for its position. A failure throws a typed error naming the segment; the
 * plaintext yielded before it must be discarded by the caller (write to a temporary file, keep it
 * only when the iteration completes).
 *
 * @throws {EncryptionError} header errors (`NotEncrypted`, `UnsupportedVersion`, `InvalidHeader`, `WrongKey`,
 * `HeaderTampered`), `SegmentTampered`, `SegmentOutOfOrder`, `Truncated`, `TrailingData` — each with `segment` where one is at fault.
 * @example
 * for await (const plaintext of decryptStream({ key, source })) await out.write(plaintext)
 */
export async function* decryptStream({ key, source, onHeader, concurrency = 4 }: DecryptStreamParameters): AsyncGenerator<Uint8Array, void, undefined> {
  const reader = createByteReader(source);
  try {
    const headerBytes = await reader.read(ENCRYPTION_HEADER_SIZE);
    const header = verifyEncryptionHeader({ header: headerBytes, key });
    const cryptoKey = await importSegmentKey({ key, header: headerBytes });
    const { plaintextSize, segmentSize } = header;
    const count = segmentCount({ plaintextSize, segmentSize });
    onHeader?.(header);

    const open = async (index: number, ciphertext: Uint8Array): Promise<Uint8Array> => {
      try {
        return await decryptSegment({ cryptoKey, index, final: index === count - 1, ciphertext });
      } catch (error) {
        // Tell a reordering from damage: does the segment authenticate at a nearby position?
        for (let j = Math.max(0, index - REORDER_WINDOW); j < Math.min(count, index + REORDER_WINDOW + 1); j++) {
          if (j === index) continue;
          const opened = await decryptSegment({ cryptoKey, index: j, final: j === count - 1, ciphertext }).then(
            () => true,
            () => false,
          );
          if (opened) {
            throw new EncryptionError("SegmentOutOfOrder", `segment ${index} holds segment ${j}: the file's segments were reordered`, { segment: index, foundIndex: j });
          }
        }
        throw error;
      }
    };

    const pending: Promise<Uint8Array>[] = [];
    for (let index = 0; index < count; index++) {
      const length = segmentPlaintextLength({ plaintextSize, segmentSize, index }) + ENCRYPTION_TAG_SIZE;
      const ciphertext = await reader.read(length);
      if (ciphertext.length < length) {
        // Report earlier damage first: it is the first thing wrong in the file.
        for (const p of pending) await p;
        throw new EncryptionError(
          "Truncated",
          `the file is truncated: segment ${index} of ${count} is ${ciphertext.length === 0 ? "missing" : `incomplete (${ciphertext.length} of ${length} bytes)`}`,
          { segment: index },
        );
      }
      const opened = open(index, ciphertext);
      opened.catch(() => {}); // awaited below, in order
      pending.push(opened);
      while (pending.length >= Math.max(1, concurrency)) yield await pending.shift()!;
    }
    while (pending.length > 0) yield await pending.shift()!;
    if (!(await reader.atEnd())) throw new EncryptionError("TrailingData", "bytes follow the file's last segment");
  } finally {
    await reader.close();
  }
}
