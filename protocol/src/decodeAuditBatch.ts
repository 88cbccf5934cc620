import { AUDIT_BATCH_MAGIC, type AuditBatch } from "./encodeAuditBatch.ts";
import { chunkCount } from "./merkle/chunkCount.ts";
import { CHUNK_SIZE } from "./merkle/constants.ts";

export class AuditBatchFormatError extends Error {
  override readonly name = "AuditBatchFormatError";
}

/**
 * Parses an audit-batch answer (encodeAuditBatch's format). Throws {@link AuditBatchFormatError}
 * on a wrong magic, an index outside the file, or a length that does not add up. It does not
 * verify anything: check the result with verifyMultiProof against YOUR root and size.
 */
export function decodeAuditBatch(bytes: Uint8Array): AuditBatch & { proof: Uint8Array[] } {
  const fail = (why: string): never => {
    throw new AuditBatchFormatError(`not an audit batch: ${why}`);
  };
  if (bytes.length < 16) fail(`${bytes.length} bytes`);
  if (new TextDecoder().decode(bytes.subarray(0, 4)) !== AUDIT_BATCH_MAGIC) fail("wrong magic");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const size64 = view.getBigUint64(4);
  if (size64 > BigInt(Number.MAX_SAFE_INTEGER)) fail("size too large");
  const size = Number(size64);
  const chunks = chunkCount(size);
  const n = view.getUint16(12);
  const m = view.getUint16(14);
  let at = 16;
  if (bytes.length < at + 8 * n) fail("truncated indices");
  const indices: number[] = [];
  for (let i = 0; i < n; i++, at += 8) {
    const index = view.getBigUint64(at);
    if (index >= BigInt(chunks)) fail(`index ${index} outside ${chunks} chunks`);
    indices.push(Number(index));
  }
  const lengths = indices.map((i) => (i < chunks - 1 ? CHUNK_SIZE : size - (chunks - 1) * CHUNK_SIZE));
  const expected = at + lengths.reduce((a, b) => a + b, 0) + 32 * m;
  if (bytes.length !== expected) fail(`${bytes.length} bytes, expected ${expected}`);
  const out: Uint8Array[] = [];
  for (const length of lengths) {
    out.push(bytes.slice(at, at + length));
    at += length;
  }
  const proof: Uint8Array[] = [];
  for (let i = 0; i < m; i++, at += 32) proof.push(bytes.slice(at, at + 32));
  return { size, indices, chunks: out, proof };
}
