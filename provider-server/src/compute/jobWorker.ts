// Worker-thread entry of the job queue: a long-lived thread that runs one job at a time off the
// main thread (the server keeps answering HTTP) and reports progress. matmul runs the WebAssembly
// SIMD kernel (compiled once per thread) in panels of rows, posting the share done after each;
// polyEval runs the TypeScript kernel in one go.
import { KERNEL, loadMatmulKernel, MATRIX_TRAILER_SIZE, matrixGeometry, matrixTrailer, runJob } from "@pekanu/protocol/compute";
import { parentPort } from "node:worker_threads";

export type JobWorkerInput = { kernel: number; m: number; k: number; n: number; a: Uint8Array; b: Uint8Array };
type MatmulKernel = Awaited<ReturnType<typeof loadMatmulKernel>>;
let kernelPromise: Promise<MatmulKernel> | undefined;
export type JobWorkerMessage = { type: "ready" } | { type: "progress"; progress: number } | { type: "done"; result: Uint8Array } | { type: "error"; code: string | undefined; message: string };

/** Rows per progress step: about 32 steps, at least 4 rows (the kernel's block). */
const panelRows = (m: number) => Math.max(4, Math.ceil(m / 32 / 4) * 4);

async function main({ kernel, m, k, n, a, b }: JobWorkerInput): Promise<Uint8Array> {
  if (kernel !== KERNEL.matmul) return runJob({ kernel, m, k, n, a, b });
  // Checks shapes, layouts and element ranges (decodes both inputs) before the fast kernel runs.
  kernelPromise ??= loadMatmulKernel();
  const matmul = await kernelPromise;
  runJobShapeCheck({ kernel, m, k, n, a, b });
  const gc = matrixGeometry({ rows: m, cols: n, layout: "rows" });
  const rowBytes = gc.stride * 4;
  const out = new Uint8Array(gc.size);
  const step = panelRows(m);
  for (let start = 0; start < m; start += step) {
    const end = Math.min(m, start + step);
    const part = matmul.multiply({ a, b, m, k, n, rows: { start, end } });
    out.set(part.subarray(0, (end - start) * rowBytes), start * rowBytes);
    parentPort!.postMessage({ type: "progress", progress: end / m } satisfies JobWorkerMessage);
  }
  out.set(matrixTrailer({ rows: m, cols: n, layout: "rows" }), gc.size - MATRIX_TRAILER_SIZE);
  return out;
}

/** runJob's input checks (decodeMatrix of both files) without its product. */
function runJobShapeCheck(input: JobWorkerInput): void {
  // A 1×1 stand-in kernel: runJob checks both files fully, then calls it.
  runJob({ ...input, matmul: { multiply: () => new Uint8Array(0) } });
}

parentPort!.on("message", (input: JobWorkerInput) => {
  main(input).then(
    (result) => parentPort!.postMessage({ type: "done", result } satisfies JobWorkerMessage, [result.buffer as ArrayBuffer]),
    (error: unknown) => parentPort!.postMessage({ type: "error", code: (error as { code?: string }).code, message: (error as Error).message } satisfies JobWorkerMessage),
  );
});
// Ready: the modules are loaded (the queue may warm a thread before the first job).
parentPort!.postMessage({ type: "ready" });
