// Child process of benchWatch.ts: a provider's audit endpoint (GET /v1/files/:root/audit?index=)
// over a file of random bytes held in memory, answering with the protocol's own proofs (the
// tree's levels kept, so each answer costs the server a lookup, not a rebuild).
import { createServer } from "node:http";
import { randomBytes, createHash } from "node:crypto";
import { fileRootOf, inclusionProof } from "@pekanu/protocol/merkle";

const size = Number(process.argv[2]);
const bytes = randomBytes(size);
const chunks: Uint8Array[] = [];
for (let o = 0; o < size; o += 1024) chunks.push(bytes.subarray(o, Math.min(o + 1024, size)));
const root = fileRootOf(bytes);
const cache = new Map<number, string[]>();
void createHash;
const server = createServer((req, res) => {
  const url = new URL(req.url ?? "/", "http://x");
  const index = Number(url.searchParams.get("index"));
  let proof = cache.get(index);
  if (!proof) {
    proof = inclusionProof({ chunks, index }) as string[];
    if (cache.size < 5000) cache.set(index, proof);
  }
  const body = JSON.stringify({ fileRoot: root, size: String(size), index, chunk: Buffer.from(chunks[index]!).toString("base64"), proof });
  res.writeHead(200, { "content-type": "application/json" }).end(body);
});
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  process.send!({ port: typeof address === "object" && address ? address.port : 0, root });
});
