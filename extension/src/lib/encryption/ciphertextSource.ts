import { importSegmentKey } from "@pekanu/protocol/encryption";
import { hexToBytes, type Hex } from "viem";
import { encryptedLayout } from "./encryptedLayout.ts";
import { readCiphertextRange } from "./readCiphertextRange.ts";

/** Something an upload can send: its size, and any byte range of it as a Blob. */
export type UploadSource = { size: number; slice(start: number, end: number): Promise<Blob> };

/**
 * The ciphertext of a plaintext File as an upload source: each range asked for is encrypted from
 * the plaintext it covers when asked (memory: one range), the same bytes the commitment covered.
 *
 * @example
 * const source = await ciphertextSource({ blob: file, key, header })
 * await resumableUpload({ url, token, file: source, onProgress })
 */
export async function ciphertextSource({ blob, key, header }: { blob: Blob; key: Hex; header: Hex }): Promise<UploadSource> {
  const layout = encryptedLayout(hexToBytes(header));
  const cryptoKey = await importSegmentKey({ key: hexToBytes(key), header: layout.header });
  return {
    size: layout.size,
    slice: async (start, end) => new Blob([(await readCiphertextRange({ blob, layout, cryptoKey, start, end })) as Uint8Array<ArrayBuffer>]),
  };
}
