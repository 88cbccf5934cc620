// Compiles the generated WebAssembly text modules (the 4-lane Merkle hasher, renderMerkleWat; the
// SIMD matrix-product kernel, renderMatmulWat) with wabt and writes each binary, base64-encoded,
// into the protocol package, so the browser bundles need no build step of their own. `--check`
// only compares and exits 1 when a committed file is stale (the protocol tests run the same
// comparison).
import { readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { renderMatmulWasmSource } from "../protocol/src/compute/wasm/renderMatmulWasmSource.ts";
import { renderMerkleWasmSource } from "../protocol/src/merkle/wasm/renderMerkleWasmSource.ts";

const modules = [
  { output: fileURLToPath(new URL("../protocol/src/merkle/wasm/merkleWasmBinary.ts", import.meta.url)), render: renderMerkleWasmSource, from: "renderMerkleWat" },
  { output: fileURLToPath(new URL("../protocol/src/compute/wasm/matmulWasmBinary.ts", import.meta.url)), render: renderMatmulWasmSource, from: "renderMatmulWat" },
];

const check = process.argv.includes("--check");
let stale = false;
for (const { output, render, from } of modules) {
  const rendered = await render();
  const current = await readFile(output, "utf8").catch(() => "");
  if (current === rendered) {
    console.log(`up to date: ${output}`);
  } else if (check) {
    console.error(`stale: ${output} differs from ${from}; run npm run wasm:sync`);
    stale = true;
  } else {
    await writeFile(output, rendered);
    console.log(`wrote ${output}`);
  }
}
if (stale) process.exit(1);
