// Pekanu file commitment: RFC 6962 / RFC 9162 Merkle tree over 1024-byte chunks (SHA-256).
// Isomorphic: no Node built-ins here (Node-specific helpers live in ../node).
export { bytesToHex } from "./bytesToHex.ts";
export { chunkCount } from "./chunkCount.ts";
export { chunkLength, type ChunkLengthParameters } from "./chunkLength.ts";
export { CHUNK_SIZE, HASH_SIZE, LEAF_PREFIX, NODE_PREFIX } from "./constants.ts";
export {
  createMerkleBuilder,
  type CreateMerkleBuilderParameters,
  type FileCommitment,
  type MerkleBuilder,
} from "./createMerkleBuilder.ts";
export { fileRootOf } from "./fileRootOf.ts";
export { foldSubtreeRoots, type FoldSubtreeRootsParameters } from "./foldSubtreeRoots.ts";
export { hexToBytes } from "./hexToBytes.ts";
export { inclusionProof, type InclusionProofParameters } from "./inclusionProof.ts";
export { leafHash } from "./leafHash.ts";
export { MerkleError, type MerkleErrorCode } from "./MerkleError.ts";
export { merkleTreeHash, type MerkleTreeHashParameters } from "./merkleTreeHash.ts";
export { multiProofRanges, type MultiProofRangesParameters } from "./multiProofRanges.ts";
export { nodeHash, type NodeHashParameters } from "./nodeHash.ts";
export { proveChunk, type ChunkProof, type ProveChunkParameters } from "./proveChunk.ts";
export { rootFromInclusion, type InclusionLeaf, type RootFromInclusionParameters } from "./rootFromInclusion.ts";
export { rootFromMultiProof, type RootFromMultiProofParameters } from "./rootFromMultiProof.ts";
export { sha256 } from "./sha256.ts";
export { splitChunks } from "./splitChunks.ts";
export type { HashLike, HashOptions, HashOutput, Hex, Sha256, To } from "./types.ts";
export { verifyInclusion, type VerifyInclusionParameters } from "./verifyInclusion.ts";
export { verifyMultiProof, type VerifyMultiProofParameters } from "./verifyMultiProof.ts";
