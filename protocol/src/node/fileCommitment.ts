import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createMerkleBuilder, type FileCommitment } from "../merkle/createMerkleBuilder.ts";
import type { Sha256, To } from "../merkle/types.ts";
import { nodeSha256 } from "./nodeSha256.ts";

export type FileCommitmentProgress = {
  /** Bytes hashed so far. */
  bytes: number;
  /** File size when hashing started. */
  totalBytes: number;
};

export type FileCommitmentParameters<to extends To = "hex"> = {
  /** Path of the file to commit to. */
  path: string;
  /** Called after each piece read (every `highWaterMark` bytes). */
  onProgress?: ((progress: FileCommitmentProgress) => void) | undefined;
  /** Read size in bytes (default 1 MiB). */
  highWaterMark?: number | undefined;
  /** Aborts the read; the promise rejects with the abort reason. */
  signal?: AbortSignal | undefined;
  /** SHA-256 implementation (default `nodeSha256`). */
  sha256?: Sha256 | undefined;
  /** Output form of the root (default `"hex"`). */
  to?: to | undefined;
};

/**
 * The commitment {root, size, chunks} of a file on disk, streamed through the incremental builder:
 * memory stays bounded (one read buffer plus O(log n) hashes) whatever the file size.
 *
 * @example
 * const { root, size, chunks } = await fileCommitment({ path: "movie.mkv" })
 */
export async function fileCommitment<to extends To = "hex">({
  path,
  onProgress,
  highWaterMark = 1 << 20,
  signal,
  sha256 = nodeSha256,
  to,
}: FileCommitmentParameters<to>): Promise<FileCommitment<to>> {
  const totalBytes = onProgress ? (await stat(path)).size : 0;
  const builder = createMerkleBuilder({ sha256 });
  const stream = createReadStream(path, { highWaterMark, signal });
  for await (const piece of stream as AsyncIterable<Buffer>) {
    builder.update(piece);
    onProgress?.({ bytes: builder.size, totalBytes });
  }
  return builder.digest({ to });
}
