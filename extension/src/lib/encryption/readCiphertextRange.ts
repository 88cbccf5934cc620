import { ENCRYPTION_HEADER_SIZE, ENCRYPTION_TAG_SIZE, encryptSegment } from "@pekanu/protocol/encryption";
import { FileChangedError } from "../commitBlob.ts";
import { ciphertextOffsetOf, type EncryptedLayout } from "./encryptedLayout.ts";

export type ReadCiphertextRangeParameters = {
  /** The plaintext file. */
  blob: Blob;
  layout: EncryptedLayout;
  /** From `importSegmentKey({ key, header: layout.header })`. */
  cryptoKey: CryptoKey;
  /** Ciphertext byte range [start, end). */
  start: number;
  end: number;
};

/**
 * Bytes [start, end) of the file's ciphertext, computed from the plaintext without the rest of it:
 * the plaintext of the encryption segments the range overlaps is read in one slice and encrypted
 * (segments are independent, so any range — a 16 MiB commitment segment, a challenged chunk — can be
 * produced by any thread). A file that changed on disk since it was chosen fails with {@link FileChangedError}.
 *
 * @example
 * const bytes = await readCiphertextRange({ blob: file, layout, cryptoKey, start: 0, end: 16 << 20 })
 */
export async function readCiphertextRange({ blob, layout, cryptoKey, start, end }: ReadCiphertextRangeParameters): Promise<Uint8Array<ArrayBuffer>> {
  end = Math.min(end, layout.size);
  const out = new Uint8Array(Math.max(0, end - start));
  if (out.length === 0) return out;
  if (blob.size !== layout.plaintextSize) throw new FileChangedError();
  if (start < ENCRYPTION_HEADER_SIZE) out.set(layout.header.subarray(start, Math.min(end, ENCRYPTION_HEADER_SIZE)), 0);
  if (end <= ENCRYPTION_HEADER_SIZE) return out;

  const stride = layout.segmentSize + ENCRYPTION_TAG_SIZE;
  const first = Math.max(0, Math.floor((Math.max(start, ENCRYPTION_HEADER_SIZE) - ENCRYPTION_HEADER_SIZE) / stride));
  const last = Math.min(layout.segments - 1, Math.floor((end - 1 - ENCRYPTION_HEADER_SIZE) / stride));
  const plainStart = first * layout.segmentSize;
  const plainEnd = Math.min(layout.plaintextSize, (last + 1) * layout.segmentSize);
  let plaintext: Uint8Array;
  try {
    plaintext = new Uint8Array(await blob.slice(plainStart, plainEnd).arrayBuffer());
  } catch (error) {
    if (error instanceof DOMException && error.name === "NotReadableError") throw new FileChangedError({ cause: error });
    throw error;
  }
  if (plaintext.length !== plainEnd - plainStart) throw new FileChangedError();

  const sealed = await Promise.all(
    Array.from({ length: last - first + 1 }, (_, k) => {
      const i = first + k;
      const from = i * layout.segmentSize - plainStart;
      return encryptSegment({ cryptoKey, index: i, final: i === layout.segments - 1, plaintext: plaintext.subarray(from, Math.min(plaintext.length, from + layout.segmentSize)) });
    }),
  );
  sealed.forEach((bytes, k) => {
    const offset = ciphertextOffsetOf(layout, first + k);
    const from = Math.max(start, offset);
    const to = Math.min(end, offset + bytes.length);
    if (from < to) out.set(bytes.subarray(from - offset, to - offset), from - start);
  });
  return out;
}
