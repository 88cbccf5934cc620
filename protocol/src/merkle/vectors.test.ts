// Every vector of /work/shared/vectors/merkle.json (copied to ./test/merkle.json).
import { describe, expect, it } from "vitest";
import { nodeSha256 } from "../node/nodeSha256.ts";
import { chunkCount } from "./chunkCount.ts";
import { createMerkleBuilder } from "./createMerkleBuilder.ts";
import { fileRootOf } from "./fileRootOf.ts";
import { inclusionProof } from "./inclusionProof.ts";
import { leafHash } from "./leafHash.ts";
import { merkleTreeHash } from "./merkleTreeHash.ts";
import { proveChunk } from "./proveChunk.ts";
import { rootFromInclusion } from "./rootFromInclusion.ts";
import { sha256 } from "./sha256.ts";
import { splitChunks } from "./splitChunks.ts";
import { patternFile, hex, vectors } from "./test/reference.ts";
import { verifyInclusion } from "./verifyInclusion.ts";

const implementations = [
  ["pure TS sha256", sha256],
  ["node:crypto sha256", nodeSha256],
] as const;

describe.each(implementations)("RFC 6962 / CT vectors (%s)", (_, hash) => {
  const leaves = vectors.leafInputsHex.map(hex);
  const leafHashes = leaves.map((leaf) => leafHash(leaf, { sha256: hash }));

  it.each(Object.entries(vectors.rootsBySize))("MTH of the first %s leaves", (n, root) => {
    expect(merkleTreeHash({ leaves: leaves.slice(0, Number(n)), sha256: hash })).toBe(hex(root));
    expect(merkleTreeHash({ leaves: leaves.slice(0, Number(n)), sha256: hash, to: "bytes" })).toEqual(
      new Uint8Array(Buffer.from(root, "hex")),
    );
  });

  it.each(vectors.inclusion)("inclusion proof of leaf $leafIndex in a tree of $treeSize", ({ leafIndex, treeSize, proof }) => {
    const root = hex(vectors.rootsBySize[String(treeSize)]!);
    const expected = proof.map(hex);
    expect(inclusionProof({ leafHashes: leafHashes.slice(0, treeSize), index: leafIndex, sha256: hash })).toEqual(expected);
    const args = { leafHash: leafHashes[leafIndex]!, index: leafIndex, treeSize, proof: expected, sha256: hash };
    expect(verifyInclusion({ ...args, root })).toBe(true);
    expect(rootFromInclusion(args)).toBe(root);
  });
});

describe.each(implementations)("Pekanu file vectors (%s)", (_, hash) => {
  it.each(vectors.files)("file of $size bytes", async ({ size, chunks, fileRoot, sampleProof }) => {
    const bytes = patternFile(size);
    const root = hex(fileRoot);
    expect(chunkCount(size)).toBe(chunks);
    expect(fileRootOf(bytes, { sha256: hash })).toBe(root);
    expect(createMerkleBuilder({ sha256: hash }).update(bytes).digest()).toEqual({ root, size, chunks });
    if (size === 0) expect(root).toBe(hex(Buffer.from(sha256(Uint8Array.of(0))).toString("hex")));
    if (!sampleProof) return;

    const { chunkIndex: index, proof } = sampleProof;
    const expected = proof.map(hex);
    const fileChunks = splitChunks(bytes);
    expect(inclusionProof({ chunks: fileChunks, index, sha256: hash })).toEqual(expected);
    const proved = await proveChunk({ size, index, readChunk: (i) => fileChunks[i]!, sha256: hash });
    expect(proved).toEqual({ chunk: new Uint8Array(fileChunks[index]!), proof: expected, root });
    const chunk = fileChunks[index]!;
    expect(verifyInclusion({ root, chunk, index, treeSize: chunks, proof: expected, sha256: hash })).toBe(true);
    expect(verifyInclusion({ root, leafHash: leafHash(chunk), index, treeSize: chunks, proof: expected })).toBe(true);
    expect(rootFromInclusion({ chunk, index, treeSize: chunks, proof: expected, sha256: hash })).toBe(root);
  });
});
