import { SEGMENT_SIZE } from "../commitBlob.ts";
import type { EncryptedLayout } from "./encryptedLayout.ts";
import { readCiphertextRange } from "./readCiphertextRange.ts";

export type CiphertextStreamParameters = {
  /** The plaintext file. */
  blob: Blob;
  layout: EncryptedLayout;
  /** From `importSegmentKey({ key, header: layout.header })`. */
  cryptoKey: CryptoKey;
  /** Ciphertext byte offset to start at (a resumed upload), default 0. */
  start?: number | undefined;
  /** Bytes per piece (default 16 MiB). */
  pieceSize?: number | undefined;
};

/**
 * The file's ciphertext as a pull stream, computed piece by piece from the plaintext (memory: one
 * piece): what an upload sends. The same bytes the commitment covered, since encryption is
 * deterministic given the key and header.
 *
 * @example
 * const body = ciphertextStream({ blob: file, layout, cryptoKey })
 */
export function ciphertextStream({ blob, layout, cryptoKey, start = 0, pieceSize = SEGMENT_SIZE }: CiphertextStreamParameters): ReadableStream<Uint8Array> {
  let offset = start;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (offset >= layout.size) return controller.close();
        const end = Math.min(layout.size, offset + pieceSize);
        controller.enqueue(await readCiphertextRange({ blob, layout, cryptoKey, start: offset, end }));
        offset = end;
      },
    },
    { highWaterMark: 1 },
  );
}
