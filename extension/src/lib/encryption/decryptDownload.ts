import { decryptStream, EncryptionError, type EncryptionHeader } from "@pekanu/protocol/encryption";
import { foldSubtreeRoots } from "@pekanu/protocol/merkle";
import { getSubtreeHasher, SEGMENT_SIZE } from "../commitBlob.ts";

/** Where decrypted bytes go; nothing written counts until `close`, and `abort` discards it all. */
export type DownloadSink<result = void> = {
  write(bytes: Uint8Array): Promise<void>;
  close(): Promise<result>;
  abort(reason: unknown): Promise<void>;
};

export class DownloadMismatchError extends Error {
  override readonly name = "DownloadMismatchError";
  constructor(message: string) {
    super(message);
  }
}

export type DecryptDownloadParameters<result> = {
  /** The ciphertext as it arrives (a fetch response body, a File's stream). */
  source: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;
  /** The 32-byte file key. */
  key: Uint8Array;
  /** The root the receipt (or share link) names: the ciphertext must commit to it. */
  expectedRoot: `0x${string}`;
  /** The ciphertext size the receipt names, if known. */
  expectedSize?: number | undefined;
  sink: DownloadSink<result>;
  /** Ciphertext bytes received so far. */
  onProgress?: ((bytes: number) => void) | undefined;
};

export type DecryptDownloadResult<result> = { root: `0x${string}`; size: number; header: EncryptionHeader; saved: result };

/**
 * Streams a download through decryption into `sink`: every segment is authenticated before it is
 * written, the ciphertext's root is computed on the way (16 MiB segments, WebAssembly SHA-256) and
 * compared with `expectedRoot`, and only then is the sink closed. On any failure — wrong key, a
 * damaged or truncated segment (an {@link EncryptionError} naming it), a different file — the sink is
 * aborted, so nothing partial is left looking like a good file. Memory: a 16 MiB hashing buffer and a
 * few segments.
 *
 * @example
 * const { saved: file } = await decryptDownload({ source: response.body!, key, expectedRoot, sink: await opfsSink() })
 */
export async function decryptDownload<result>({
  source,
  key,
  expectedRoot,
  expectedSize,
  sink,
  onProgress,
}: DecryptDownloadParameters<result>): Promise<DecryptDownloadResult<result>> {
  const hasher = await getSubtreeHasher();
  const roots: Uint8Array[] = [];
  const buffer = new Uint8Array(SEGMENT_SIZE);
  let filled = 0;
  let received = 0;
  let header: EncryptionHeader | undefined;

  // The ciphertext pieces, hashed into 16 MiB subtrees on their way to decryption.
  const hashed = (async function* () {
    for await (const piece of source as AsyncIterable<Uint8Array>) {
      received += piece.length;
      if (expectedSize !== undefined && received > expectedSize) throw new DownloadMismatchError(`The provider sent more than the ${expectedSize} bytes of the file.`);
      for (let offset = 0; offset < piece.length; ) {
        const take = Math.min(piece.length - offset, SEGMENT_SIZE - filled);
        buffer.set(piece.subarray(offset, offset + take), filled);
        filled += take;
        offset += take;
        if (filled === SEGMENT_SIZE) {
          roots.push(hasher.subtreeRoot(buffer));
          filled = 0;
        }
      }
      onProgress?.(received);
      yield piece;
    }
  })();

  // Plaintext segments are gathered into 4 MiB writes (fewer round trips to the file system).
  const out = new Uint8Array(4 << 20);
  let pending = 0;
  const flush = async () => {
    if (pending > 0) await sink.write(out.slice(0, pending));
    pending = 0;
  };
  try {
    for await (const plaintext of decryptStream({ key, source: hashed, onHeader: (h) => (header = h) })) {
      if (pending + plaintext.length > out.length) await flush();
      if (plaintext.length > out.length) await sink.write(plaintext);
      else {
        out.set(plaintext, pending);
        pending += plaintext.length;
      }
    }
    await flush();
    if (filled > 0 || roots.length === 0) roots.push(hasher.subtreeRoot(buffer.subarray(0, filled)));
    const root = foldSubtreeRoots({ roots });
    if (root !== expectedRoot.toLowerCase()) throw new DownloadMismatchError(`The downloaded file is not the stored one (root ${root}, expected ${expectedRoot}).`);
    if (expectedSize !== undefined && received !== expectedSize) throw new DownloadMismatchError(`The download has ${received} bytes, the receipt names ${expectedSize}.`);
    return { root, size: received, header: header!, saved: await sink.close() };
  } catch (error) {
    await sink.abort(error).catch(() => undefined);
    throw error;
  }
}
