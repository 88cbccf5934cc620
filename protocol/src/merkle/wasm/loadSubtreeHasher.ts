import { CHUNK_SIZE, HASH_SIZE } from "../constants.ts";
import { createMerkleBuilder } from "../createMerkleBuilder.ts";
import { createTreeHasher } from "../internal.ts";
import { merkleWasmBase64 } from "./merkleWasmBinary.ts";

/** Which code hashes: the 4-lane SIMD WebAssembly module, or the pure TypeScript SHA-256. */
export type SubtreeHasherEngine = "wasm-simd" | "typescript";

export type SubtreeHasher = {
  readonly engine: SubtreeHasherEngine;
  /**
   * The Merkle Tree Hash of `bytes` cut into 1024-byte chunks, as 32 new bytes: the root of one
   * aligned segment of a file (a power-of-two number of chunks starting at a multiple of it, or
   * the file's last segment), to be combined with `foldSubtreeRoots`, or of a small file whole.
   * The WebAssembly engine copies `bytes` into its memory, which grows to the largest input and
   * stays that size: give it segments (the extension's are 16 MiB), not a multi-GiB file.
   */
  subtreeRoot(bytes: Uint8Array): Uint8Array;
};

export type LoadSubtreeHasherParameters = {
  /** `"auto"` (default): WebAssembly when the platform runs it (SIMD, CSP allows it), else TypeScript. */
  engine?: "auto" | SubtreeHasherEngine | undefined;
};

/**
 * A hasher for file segments. The WebAssembly engine hashes four leaves (or four node pairs) at
 * once and runs about 4× the pure TypeScript code; it is what the extension's hashing workers use.
 * With `"auto"` a platform that cannot compile it (no SIMD, a CSP without `'wasm-unsafe-eval'`)
 * gets the TypeScript engine instead: slower, same roots.
 *
 * @example
 * const hasher = await loadSubtreeHasher()
 * const root = hasher.subtreeRoot(fileBytes) // same as createMerkleBuilder().update(fileBytes)
 */
export async function loadSubtreeHasher({ engine = "auto" }: LoadSubtreeHasherParameters = {}): Promise<SubtreeHasher> {
  if (engine === "typescript") return typescriptHasher();
  try {
    return await wasmHasher();
  } catch (error) {
    if (engine === "wasm-simd") throw error;
    return typescriptHasher();
  }
}

function typescriptHasher(): SubtreeHasher {
  return {
    engine: "typescript",
    subtreeRoot: (bytes) => createMerkleBuilder().update(bytes).digest({ to: "bytes" }).root,
  };
}

type MerkleExports = {
  memory: WebAssembly.Memory;
  leaves(input: number, count: number, output: number): void;
  nodes(input: number, count: number, output: number): void;
};

// The chunks start at INPUT (the module reads the byte before them, so never at 0); leaf hashes
// follow them, and each level of nodes is hashed in place there.
const INPUT = 16;
const PAGE = 65536;

async function wasmHasher(): Promise<SubtreeHasher> {
  const binary = Uint8Array.from(atob(merkleWasmBase64), (c) => c.charCodeAt(0));
  const { instance } = await WebAssembly.instantiate(binary);
  const wasm = instance.exports as unknown as MerkleExports;
  const tree = createTreeHasher();
  let memory = new Uint8Array(wasm.memory.buffer);

  return {
    engine: "wasm-simd",
    subtreeRoot(bytes) {
      const full = Math.floor(bytes.length / CHUNK_SIZE);
      const partial = bytes.length % CHUNK_SIZE > 0 || bytes.length === 0;
      const leafCount = full + (partial ? 1 : 0);
      const output = INPUT + full * CHUNK_SIZE + 16;
      const needed = output + leafCount * HASH_SIZE;
      if (needed > memory.length) {
        wasm.memory.grow(Math.ceil((needed - memory.length) / PAGE));
        memory = new Uint8Array(wasm.memory.buffer);
      }
      memory.set(full === leafCount ? bytes : bytes.subarray(0, full * CHUNK_SIZE), INPUT);
      wasm.leaves(INPUT, full, output);
      // A short last chunk (or the one empty chunk of an empty file) is a single leaf: plain TS.
      if (partial) memory.set(tree.leaf(bytes, full * CHUNK_SIZE), output + full * HASH_SIZE);
      // Level by level, in place: pairs become parents, an odd last hash moves up unchanged.
      for (let count = leafCount; count > 1; ) {
        const pairs = count >>> 1;
        wasm.nodes(output, pairs, output);
        if (count % 2 === 1) memory.copyWithin(output + pairs * HASH_SIZE, output + (count - 1) * HASH_SIZE, output + count * HASH_SIZE);
        count = pairs + (count % 2);
      }
      return memory.slice(output, output + HASH_SIZE);
    },
  };
}
