// Node-only helpers for the file commitment (node:crypto, node:fs). The isomorphic core is re-exported
// too, so servers and scripts can import everything from here.
export * from "../merkle/index.ts";
export {
  fileCommitment,
  type FileCommitmentParameters,
  type FileCommitmentProgress,
} from "./fileCommitment.ts";
export { nodeSha256 } from "./nodeSha256.ts";
export { proveFileChunk, type FileChunkProof, type ProveFileChunkParameters } from "./proveFileChunk.ts";
export { decryptFile, type DecryptFileParameters, type DecryptFileResult } from "./decryptFile.ts";
export { encryptFile, type EncryptFileParameters, type EncryptFileResult } from "./encryptFile.ts";
export * from "../encryption/index.ts";
