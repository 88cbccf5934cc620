// One scheduled check of one stored file: a few chunks named at random, fetched from the
// provider in ONE binary answer (GET {L}/audit-batch: the chunks and one deduplicated proof) and
// verified against the committed root. A provider without that route (404) is asked chunk by
// chunk on the older JSON route (GET {L}/audit?index=). When a batch does not verify, the chunks
// are asked one by one to name the chunk that is wrong (the challenge names it). The outcome tells
// a failed check (a wrong or missing chunk: the provider answered, and the answer is not the
// file) from a provider that could not be reached (network error, timeout, overload): only the
// first is a problem; the second is retried.
import { decodeAuditBatch, MAX_AUDIT_BATCH_CHUNKS } from "@pekanu/protocol";
import { chunkCount, verifyMultiProof } from "@pekanu/protocol/merkle";
import { verifyAuditAnswer } from "../commitment.ts";
import { toHumanError } from "../errors.ts";
import { createProviderApi, type ProviderApi } from "../providerApi.ts";
import type { VaultRecord } from "../vault/schema.ts";

export type CheckOutcome =
  | { kind: "ok"; indices: number[]; bytes: number }
  | { kind: "failed"; indices: number[]; failedIndex: number; problem: string; bytes: number }
  | { kind: "unreachable"; detail: string; bytes: number }
  | { kind: "signInNeeded"; bytes: number };

/** Codes meaning "the provider could not answer now", never "the provider lost the data". */
const TRANSIENT = new Set(["ProviderUnreachable", "ApiRateLimited", "ApiChainUnavailable", "ApiConflict"]);
const SIGN_IN = new Set(["ApiUnauthenticated", "ApiForbidden"]);
/** Origins that answered 404 to audit-batch (an older server): asked chunk by chunk for a day. */
const noBatch = new Map<string, number>();
const NO_BATCH_MS = 24 * 3_600_000;

type Verdict = { kind: "answered"; ok: boolean; problem?: string } | { kind: "unreachable"; detail: string } | { kind: "signInNeeded" } | { kind: "notFound"; problem: string };

/** What an error from the provider means for a check. */
function classify(err: unknown): Verdict {
  const human = toHumanError(err);
  const status = Number(/^(\d{3}) /.exec(human.detail ?? "")?.[1] ?? 0);
  if (SIGN_IN.has(human.code)) return { kind: "signInNeeded" };
  if (TRANSIENT.has(human.code) || status === 502 || status === 503 || status === 504 || status === 408 || status === 429) {
    return { kind: "unreachable", detail: human.detail ?? human.message };
  }
  if (human.code === "ApiNotFound" || status === 404) return { kind: "notFound", problem: human.message };
  // The provider answered, and the answer is not the chunk: damaged (the real server answers 500
  // "the stored file is damaged" when its blob no longer hashes to the root), or malformed.
  return { kind: "answered", ok: false, problem: human.message };
}

export async function checkFile({
  record,
  indices,
  token,
  fetch: fetchImpl,
  timeoutMs = 20_000,
  now = Date.now,
}: {
  record: Pick<VaultRecord, "link" | "fileRoot" | "size">;
  indices: number[];
  token: string | null;
  fetch?: typeof fetch;
  timeoutMs?: number;
  now?: () => number;
}): Promise<CheckOutcome> {
  if (!record.link) throw new Error("checkFile: the record has no link");
  let bytes = 0;
  const counting: typeof fetch = async (input, init) => {
    const response = await (fetchImpl ?? fetch.bind(globalThis))(input, init);
    const body = await response.arrayBuffer();
    bytes += body.byteLength;
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
  const origin = new URL(record.link).origin;
  const api = createProviderApi({ baseUrl: origin, token, fetch: counting, timeoutMs });
  const sorted = [...new Set(indices)].sort((a, b) => a - b);
  const batchable = sorted.length <= MAX_AUDIT_BATCH_CHUNKS && now() - (noBatch.get(origin) ?? -Infinity) > NO_BATCH_MS;
  let batchFailed = false;
  if (batchable) {
    const verdict = await checkBatch({ api, record, indices: sorted });
    if (verdict.kind === "unreachable") return { kind: "unreachable", detail: verdict.detail, bytes };
    if (verdict.kind === "signInNeeded") return { kind: "signInNeeded", bytes };
    if (verdict.kind === "answered" && verdict.ok) return { kind: "ok", indices: sorted, bytes };
    if (verdict.kind === "notFound") noBatch.set(origin, now());
    else batchFailed = true;
  }
  // Chunk by chunk: an older server, or a batch that did not verify (to name the wrong chunk).
  const checked: number[] = [];
  for (const index of sorted) {
    checked.push(index);
    const verdict = await checkOneChunk({ api, record, index });
    if (verdict.kind === "unreachable") return { kind: "unreachable", detail: verdict.detail, bytes };
    if (verdict.kind === "signInNeeded") return { kind: "signInNeeded", bytes };
    if (verdict.kind === "notFound" || !verdict.ok) return { kind: "failed", indices: checked, failedIndex: index, problem: verdict.problem ?? "The chunk is missing.", bytes };
  }
  if (batchFailed) {
    // Every chunk alone verified, the batch did not: the batch answer was wrong.
    return { kind: "failed", indices: checked, failedIndex: sorted[0]!, problem: "The provider's answer for several parts at once does not match the committed root.", bytes };
  }
  return { kind: "ok", indices: checked, bytes };
}

async function checkBatch({ api, record, indices }: { api: ProviderApi; record: Pick<VaultRecord, "link" | "fileRoot" | "size">; indices: number[] }): Promise<Verdict> {
  let answer: Uint8Array;
  try {
    answer = await api.auditBatch(record.link!, indices);
  } catch (err) {
    return classify(err);
  }
  try {
    const batch = decodeAuditBatch(answer);
    const ok =
      batch.size === record.size &&
      batch.indices.length === indices.length &&
      batch.indices.every((index, i) => index === indices[i]) &&
      verifyMultiProof({ root: record.fileRoot as `0x${string}`, indices, chunks: batch.chunks, treeSize: chunkCount(record.size), proof: batch.proof });
    return ok ? { kind: "answered", ok } : { kind: "answered", ok, problem: "The parts or their proof do not match the committed root." };
  } catch {
    return { kind: "answered", ok: false, problem: "The provider's answer is not an audit answer." };
  }
}

async function checkOneChunk({ api, record, index }: { api: ProviderApi; record: Pick<VaultRecord, "link" | "fileRoot" | "size">; index: number }): Promise<Verdict> {
  try {
    const answer = await api.audit(record.link!, index);
    const ok =
      answer.index === index &&
      answer.fileRoot.toLowerCase() === record.fileRoot.toLowerCase() &&
      answer.size === BigInt(record.size) &&
      verifyAuditAnswer({ fileRoot: record.fileRoot, size: record.size, index, chunkBase64: answer.chunk, proof: answer.proof });
    return ok ? { kind: "answered", ok } : { kind: "answered", ok, problem: "The chunk or its proof does not match the committed root." };
  } catch (err) {
    return classify(err);
  }
}

/** `count` distinct chunk indices of a file of `size` bytes, drawn at random (all of them if fewer). */
export function randomChunkIndices(size: number, count: number, chunkSize = 1024, random: () => number = Math.random): number[] {
  const chunks = Math.max(1, Math.ceil(size / chunkSize));
  if (count >= chunks) return Array.from({ length: chunks }, (_, i) => i);
  const picked = new Set<number>();
  while (picked.size < count) picked.add(Math.floor(random() * chunks));
  return [...picked];
}

/** Probability that k random chunks catch a loss of fraction f of the chunks: 1 − (1 − f)^k. */
export function detectionProbability(f: number, k: number): number {
  return 1 - (1 - f) ** k;
}
