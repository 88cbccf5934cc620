/** Bytes per file chunk (one Merkle leaf). The last chunk of a file may be shorter; an empty file is one empty chunk. */
export const CHUNK_SIZE = 1024;

/** Bytes in a SHA-256 digest, i.e. in every leaf hash, node hash and root. */
export const HASH_SIZE = 32;

/** RFC 6962 domain separation prefix of a leaf hash: SHA-256(0x00 ‖ chunk). */
export const LEAF_PREFIX = 0x00;

/** RFC 6962 domain separation prefix of an interior node hash: SHA-256(0x01 ‖ left ‖ right). */
export const NODE_PREFIX = 0x01;
