// Hashing worker: file commitment, ownership proofs and download checks off the UI thread.
// The page posts a File (structured clone, no copy of its bytes); progress comes back as messages.
import { commitBlob, proveOwnership } from "../lib/commitment.ts";
import { createMerkleBuilder } from "@pekanu/protocol/merkle";

export type HashRequest =
  | { id: number; kind: "commit"; file: Blob }
  | { id: number; kind: "prove"; file: Blob; indices: number[]; expectedRoot: string }
  | { id: number; kind: "commitBytes"; bytes: ArrayBuffer };

export type HashResponse =
  | { id: number; kind: "progress"; bytes: number; total: number }
  | { id: number; kind: "committed"; root: `0x${string}`; size: number; chunks: number; ms: number }
  | { id: number; kind: "proved"; items: { index: number; chunk: string; proof: `0x${string}`[] }[] }
  | { id: number; kind: "error"; message: string };

const post = (message: HashResponse) => (self as unknown as Worker).postMessage(message);

self.onmessage = async (event: MessageEvent<HashRequest>) => {
  const request = event.data;
  const started = performance.now();
  try {
    if (request.kind === "commit") {
      let lastPost = 0;
      const result = await commitBlob(request.file, {
        onProgress: ({ bytes, total }) => {
          const now = performance.now();
          if (now - lastPost > 50 || bytes === total) {
            lastPost = now;
            post({ id: request.id, kind: "progress", bytes, total });
          }
        },
      });
      post({ id: request.id, kind: "committed", root: result.root, size: result.size, chunks: result.chunks, ms: performance.now() - started });
    } else if (request.kind === "commitBytes") {
      const result = createMerkleBuilder().update(new Uint8Array(request.bytes)).digest();
      post({ id: request.id, kind: "committed", root: result.root, size: result.size, chunks: result.chunks, ms: performance.now() - started });
    } else {
      const items = await proveOwnership(request.file, request.indices, {
        expectedRoot: request.expectedRoot,
        onProgress: (done, total) => post({ id: request.id, kind: "progress", bytes: done, total }),
      });
      post({ id: request.id, kind: "proved", items });
    }
  } catch (err) {
    post({ id: request.id, kind: "error", message: err instanceof Error ? err.message : String(err) });
  }
};
