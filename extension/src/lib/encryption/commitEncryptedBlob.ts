import {
  createEncryptionHeader,
  DEFAULT_SEGMENT_SIZE,
  deriveConvergentKey,
  generateFileKey,
  importSegmentKey,
  type EncryptionMode,
} from "@pekanu/protocol/encryption";
import { commitBlob, commitSegments, SEGMENT_SIZE, type CommitSegmentsParameters, type Commitment, type Progress } from "../commitBlob.ts";
import { encryptedLayout, type EncryptedLayout } from "./encryptedLayout.ts";
import { readCiphertextRange } from "./readCiphertextRange.ts";

export type CommitEncryptedBlobParameters = Omit<CommitSegmentsParameters, "size" | "readSegment" | "helpers" | "onProgress"> & {
  /** The plaintext file. */
  blob: Blob;
  mode: EncryptionMode;
  /** Private mode: the file key (default a fresh random one). Not allowed in convergent mode. */
  key?: Uint8Array | undefined;
  /** Private mode: the header's 16-byte salt (to encrypt a file again to the same bytes; default random). */
  salt?: Uint8Array | undefined;
  /** Plaintext bytes per encryption segment (default 64 KiB). */
  encryptionSegmentSize?: number | undefined;
  /**
   * Helpers for the plaintext pass of convergent mode (`plain`) and for the ciphertext commitment
   * (`encrypted`: they compute the ciphertext of their commitment segments themselves, from the File,
   * the key and the header).
   */
  helpers?: { plain?: CommitSegmentsParameters["helpers"]; encrypted?: (layout: EncryptedLayout, key: Uint8Array) => CommitSegmentsParameters["helpers"] } | undefined;
  /** Progress over both passes (convergent: the plaintext pass, then the ciphertext's). */
  onProgress?: ((p: Progress & { phase: "plaintext" | "ciphertext" }) => void) | undefined;
};

export type EncryptedCommitment = Commitment & {
  mode: EncryptionMode;
  /** The file key: kept in the vault record, never sent to the provider. */
  key: Uint8Array;
  layout: EncryptedLayout;
};

/**
 * Encrypts a File segment by segment and commits to the ciphertext, never holding the file: the
 * ciphertext's 16 MiB commitment segments are each computed from the plaintext they cover
 * ({@link readCiphertextRange}) and hashed — in parallel by `helpers` — then folded into the
 * ciphertext's root, the `fileRoot` the order names. Convergent mode first commits to the plaintext
 * (same parallel pass) to derive the key.
 *
 * @example
 * const { root, size, key } = await commitEncryptedBlob({ blob: file, mode: "private" })
 */
export async function commitEncryptedBlob({
  blob,
  mode,
  key,
  salt,
  encryptionSegmentSize = DEFAULT_SEGMENT_SIZE,
  helpers,
  onProgress,
  segmentSize = SEGMENT_SIZE,
  ...rest
}: CommitEncryptedBlobParameters): Promise<EncryptedCommitment> {
  let fileKey: Uint8Array;
  if (mode === "convergent") {
    if (key !== undefined) throw new RangeError("convergent mode derives the key from the file");
    const plain = await commitBlob(blob, {
      ...rest,
      segmentSize,
      helpers: helpers?.plain,
      onProgress: (p) => onProgress?.({ ...p, phase: "plaintext" }),
    });
    fileKey = deriveConvergentKey({ plaintextRoot: plain.root });
  } else {
    fileKey = key ?? generateFileKey();
  }
  const header = createEncryptionHeader({ key: fileKey, mode, plaintextSize: blob.size, segmentSize: encryptionSegmentSize, ...(salt && mode === "private" ? { salt } : {}) });
  const layout = encryptedLayout(header);
  const cryptoKey = await importSegmentKey({ key: fileKey, header });
  const commitment = await commitSegments({
    ...rest,
    segmentSize,
    size: layout.size,
    readSegment: (index) => readCiphertextRange({ blob, layout, cryptoKey, start: index * segmentSize, end: (index + 1) * segmentSize }),
    helpers: helpers?.encrypted?.(layout, fileKey),
    onProgress: (p) => onProgress?.({ ...p, phase: "ciphertext" }),
  });
  return { ...commitment, mode, key: fileKey, layout };
}
