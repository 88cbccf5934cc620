// Fast file commitment for browsers and workers: segment roots from a 4-lane SIMD WebAssembly
// SHA-256, combined with foldSubtreeRoots. A separate entry point so that code which never hashes
// files (popup, background) does not bundle the module.
export {
  loadSubtreeHasher,
  type LoadSubtreeHasherParameters,
  type SubtreeHasher,
  type SubtreeHasherEngine,
} from "./loadSubtreeHasher.ts";
