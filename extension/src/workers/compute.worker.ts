// Compute worker: checks a job's result off the UI thread (lib/compute/checkJobResult.ts).
import { checkJobResult, type CheckJobResultAnswer, type CheckJobResultParameters } from "../lib/compute/checkJobResult.ts";

export type ComputeWorkerRequest = { id: number } & Omit<CheckJobResultParameters, "a" | "b" | "c"> & { a: ArrayBuffer; b: ArrayBuffer; c: ArrayBuffer };
export type ComputeWorkerResponse = { id: number } & ({ kind: "answer"; answer: CheckJobResultAnswer } | { kind: "error"; message: string });

self.onmessage = async (event: MessageEvent<ComputeWorkerRequest>) => {
  const { id, a, b, c, ...rest } = event.data;
  try {
    const answer = await checkJobResult({ ...rest, a: new Uint8Array(a), b: new Uint8Array(b), c: new Uint8Array(c) });
    (self as unknown as Worker).postMessage({ id, kind: "answer", answer } satisfies ComputeWorkerResponse);
  } catch (err) {
    (self as unknown as Worker).postMessage({ id, kind: "error", message: err instanceof Error ? err.message : String(err) } satisfies ComputeWorkerResponse);
  }
};
