// The binary answer of GET {L}/audit-batch?indices=…: several chunks of one file and ONE
// deduplicated proof for all of them (merkle/multiProofRanges). Big-endian:
//   "PKA1" | u64 size | u16 n | u16 m | n × u64 index | the n chunks | m × 32-byte hash
// Chunk lengths follow from size and index (1024, the last chunk the rest). Against JSON (base64
// chunk + hex proof per chunk, one request per chunk) it is about half the bytes per check.
import { chunkLength } from "./merkle/chunkLength.ts";
import { hexToBytes } from "./merkle/hexToBytes.ts";
import type { HashLike } from "./merkle/types.ts";

export const AUDIT_BATCH_MAGIC = "PKA1";
/** Most chunks one audit-batch request may name. */
export const MAX_AUDIT_BATCH_CHUNKS = 64;
export const AUDIT_BATCH_CONTENT_TYPE = "application/octet-stream";

export type AuditBatch = {
  size: number;
  /** Strictly increasing chunk indices. */
  indices: number[];
  chunks: Uint8Array[];
  /** The subtree hashes multiProofRanges({ indices, treeSize: chunkCount(size) }) names. */
  proof: HashLike[];
};

export function encodeAuditBatch({ size, indices, chunks, proof }: AuditBatch): Uint8Array<ArrayBuffer> {
  if (chunks.length !== indices.length) throw new RangeError(`${chunks.length} chunks for ${indices.length} indices`);
  if (indices.length > 0xffff || proof.length > 0xffff) throw new RangeError("too many chunks or hashes for one audit batch");
  const chunkBytes = chunks.reduce((sum, c, i) => {
    if (c.length !== chunkLength({ size, index: indices[i]! })) throw new RangeError(`chunk ${indices[i]} has ${c.length} bytes`);
    return sum + c.length;
  }, 0);
  const out = new Uint8Array(16 + 8 * indices.length + chunkBytes + 32 * proof.length);
  const view = new DataView(out.buffer);
  out.set(new TextEncoder().encode(AUDIT_BATCH_MAGIC), 0);
  view.setBigUint64(4, BigInt(size));
  view.setUint16(12, indices.length);
  view.setUint16(14, proof.length);
  let at = 16;
  for (const index of indices) {
    view.setBigUint64(at, BigInt(index));
    at += 8;
  }
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  for (const hash of proof) {
    const bytes = typeof hash === "string" ? hexToBytes(hash) : hash;
    if (bytes.length !== 32) throw new RangeError("a proof hash is not 32 bytes");
    out.set(bytes, at);
    at += 32;
  }
  return out;
}
