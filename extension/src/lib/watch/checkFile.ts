// One scheduled check of one stored file: a few chunks named at random, each fetched from the
// provider's free audit endpoint (GET {L}/audit) and verified against the committed root. The
// outcome tells a failed check (a wrong or missing chunk: the provider answered, and the answer
// is not the file) from a provider that could not be reached (network error, timeout, overload):
// only the first is a problem; the second is retried.
import { verifyAuditAnswer } from "../commitment.ts";
import { toHumanError } from "../errors.ts";
import { createProviderApi } from "../providerApi.ts";
import type { VaultRecord } from "../vault/schema.ts";

export type CheckOutcome =
  | { kind: "ok"; indices: number[]; bytes: number }
  | { kind: "failed"; indices: number[]; failedIndex: number; problem: string; bytes: number }
  | { kind: "unreachable"; detail: string; bytes: number }
  | { kind: "signInNeeded"; bytes: number };

/** Codes meaning "the provider could not answer now", never "the provider lost the data". */
const TRANSIENT = new Set(["ProviderUnreachable", "ApiRateLimited", "ApiChainUnavailable", "ApiConflict"]);
const SIGN_IN = new Set(["ApiUnauthenticated", "ApiForbidden"]);

export async function checkFile({
  record,
  indices,
  token,
  fetch: fetchImpl,
  timeoutMs = 20_000,
}: {
  record: Pick<VaultRecord, "link" | "fileRoot" | "size">;
  indices: number[];
  token: string | null;
  fetch?: typeof fetch;
  timeoutMs?: number;
}): Promise<CheckOutcome> {
  if (!record.link) throw new Error("checkFile: the record has no link");
  let bytes = 0;
  const counting: typeof fetch = async (input, init) => {
    const response = await (fetchImpl ?? fetch.bind(globalThis))(input, init);
    const text = await response.text();
    bytes += text.length;
    return new Response(text, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
  const api = createProviderApi({ baseUrl: new URL(record.link).origin, token, fetch: counting, timeoutMs });
  const checked: number[] = [];
  for (const index of indices) {
    try {
      const answer = await api.audit(record.link, index);
      const ok =
        answer.index === index &&
        answer.fileRoot.toLowerCase() === record.fileRoot.toLowerCase() &&
        answer.size === BigInt(record.size) &&
        verifyAuditAnswer({ fileRoot: record.fileRoot, size: record.size, index, chunkBase64: answer.chunk, proof: answer.proof });
      checked.push(index);
      if (!ok) return { kind: "failed", indices: checked, failedIndex: index, problem: "The chunk or its proof does not match the committed root.", bytes };
    } catch (err) {
      const human = toHumanError(err);
      const status = Number(/^(\d{3}) /.exec(human.detail ?? "")?.[1] ?? 0);
      if (SIGN_IN.has(human.code)) return { kind: "signInNeeded", bytes };
      if (TRANSIENT.has(human.code) || status === 502 || status === 503 || status === 504 || status === 408 || status === 429) {
        return { kind: "unreachable", detail: human.detail ?? human.message, bytes };
      }
      // The provider answered, and the answer is not the chunk: missing (404), damaged (the real
      // server answers 500 "the stored file is damaged" when its blob no longer hashes to the root), or malformed.
      checked.push(index);
      return { kind: "failed", indices: checked, failedIndex: index, problem: human.message, bytes };
    }
  }
  return { kind: "ok", indices: checked, bytes };
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
