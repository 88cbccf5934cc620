// Compiles the generated WebAssembly text of the 4-lane Merkle hasher (renderMerkleWat) with wabt
// and writes the binary, base64-encoded, into the protocol package, so the browser bundles need no
// build step of their own. `--check` only compares and exits 1 when the committed file is stale
// (the protocol tests run the same comparison).
import { readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { renderMerkleWasmSource } from "../protocol/src/merkle/wasm/renderMerkleWasmSource.ts";

const output = fileURLToPath(new URL("../protocol/src/merkle/wasm/merkleWasmBinary.ts", import.meta.url));

const check = process.argv.includes("--check");
const rendered = await renderMerkleWasmSource();
const current = await readFile(output, "utf8").catch(() => "");
if (current === rendered) {
  console.log(`up to date: ${output}`);
} else if (check) {
  console.error(`stale: ${output} differs from renderMerkleWat; run npm run wasm:sync`);
  process.exit(1);
} else {
  await writeFile(output, rendered);
  console.log(`wrote ${output}`);
}
