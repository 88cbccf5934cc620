// The first step of storing a file, in the page: encrypt (by default) and commit in the hashing
// worker, giving the FileMeta the background makes an order of. The file's bytes never leave the page
// except as ciphertext; the key goes with the order to the background and the vault, nowhere else.
import { parseEncryptionHeader } from "@pekanu/protocol/encryption";
import { bytesToHex, hexToBytes } from "viem";
import type { FileMeta, FileMetaEncryption } from "../lib/flow.ts";
import { commitEncryptedFile, commitFile } from "./hashing.ts";

/** How a file is stored: encrypted with a random key (default), with a key from its content, or as it is. */
export type EncryptionChoiceMode = "private" | "convergent" | "none";

export type PrepareFileParameters = {
  file: File;
  /**
   * "private" (default), "convergent", or "none" — for a file the provider must read (a compute
   * input: stored unencrypted, as the project decided; the UI says so).
   */
  encryption?: EncryptionChoiceMode | undefined;
  /** The order's encryption when the same file is selected again (same key and header, same bytes). */
  again?: FileMetaEncryption | null | undefined;
  onProgress?: ((bytes: number, total: number) => void) | undefined;
};

export type PreparedFile = { meta: FileMeta; engine: string; threads: number; ms: number };

/**
 * Commits a File for an order, encrypting it first unless `encryption` is "none".
 *
 * @example
 * const { meta } = await prepareFile({ file, encryption: "convergent" })
 * await send({ type: "order.fileCommitted", file: meta, storageDays })
 */
export async function prepareFile({ file, encryption = "private", again, onProgress }: PrepareFileParameters): Promise<PreparedFile> {
  const base = { name: file.name, lastModified: file.lastModified, mimeType: file.type };
  if (encryption === "none") {
    const result = await commitFile(file, onProgress);
    return { meta: { ...base, size: file.size, fileRoot: result.root, chunks: result.chunks, encryption: null }, engine: result.engine, threads: result.threads, ms: result.ms };
  }
  const result = await commitEncryptedFile(
    file,
    { mode: encryption, ...(again ? { again: { key: hexToBytes(again.key), header: hexToBytes(again.header), segmentSize: again.segmentSize } } : {}) },
    onProgress,
  );
  const { segmentSize } = parseEncryptionHeader(hexToBytes(result.header));
  return {
    meta: {
      ...base,
      size: result.size,
      fileRoot: result.root,
      chunks: result.chunks,
      encryption: { mode: result.mode, key: bytesToHex(result.key), header: result.header, plaintextSize: result.plaintextSize, segmentSize },
    },
    engine: result.engine,
    threads: result.threads,
    ms: result.ms,
  };
}
