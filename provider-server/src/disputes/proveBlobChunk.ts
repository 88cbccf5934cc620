import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { type FileChunkProof, proveFileChunk, writeFileTree } from "@pekanu/protocol/node";
import type { Hex } from "viem";
import type { ServerContext } from "../context.ts";

export type BlobChunkProof = { kind: "proved"; proof: FileChunkProof } | { kind: "impossible"; reason: string };

/** Where a blob's stored tree lives: `<dataDir>/trees/<fileRoot>` (rebuildable from the blob). */
export function blobTreePath({ ctx, fileRoot }: { ctx: ServerContext; fileRoot: Hex }): string {
  // blobPath validates the root, so only a bytes32 ever becomes a file name.
  ctx.blobs.blobPath(fileRoot);
  return join(ctx.config.dataDir, "trees", fileRoot);
}

/** Builds a blob's stored tree (one read of the blob), e.g. right after it was stored. */
export async function buildBlobTree({ ctx, fileRoot }: { ctx: ServerContext; fileRoot: Hex }): Promise<void> {
  const treePath = blobTreePath({ ctx, fileRoot });
  await mkdir(join(ctx.config.dataDir, "trees"), { recursive: true, mode: 0o700 });
  await writeFileTree({ path: ctx.blobs.blobPath(fileRoot), treePath });
}

/**
 * Chunk `index` of a stored blob with its inclusion proof, checked against the order's root and
 * size. The proof comes from the blob's stored tree: the chunk's 64 KiB block and one hash per
 * level (built here on first use for a blob stored without one). A tree that does not give the
 * committed root is rebuilt from the blob once; a blob that does not is corrupt: "impossible".
 */
export async function proveBlobChunk({
  ctx,
  fileRoot,
  size,
  index,
}: {
  ctx: ServerContext;
  fileRoot: Hex;
  size: number;
  index: number;
}): Promise<BlobChunkProof> {
  if (!(await ctx.blobs.has(fileRoot))) return { kind: "impossible", reason: `blob ${fileRoot} is missing` };
  const path = ctx.blobs.blobPath(fileRoot);
  const treePath = blobTreePath({ ctx, fileRoot });
  for (let attempt = 0; attempt < 2; attempt++) {
    let proof: FileChunkProof;
    try {
      proof = await proveFileChunk({ path, index, treePath });
      if (!proof.fromTree) {
        await buildBlobTree({ ctx, fileRoot });
        proof = await proveFileChunk({ path, index, treePath });
      }
    } catch (error) {
      return { kind: "impossible", reason: `cannot prove chunk ${index}: ${(error as Error).message}` };
    }
    if (proof.root === fileRoot && proof.size === size) return { kind: "proved", proof };
    if (attempt === 0 && proof.fromTree) {
      // A stale or damaged tree: rebuild it from the blob and try once more.
      await buildBlobTree({ ctx, fileRoot }).catch(() => {});
      continue;
    }
    return { kind: "impossible", reason: `blob ${fileRoot} is corrupt (its root is ${proof.root}, size ${proof.size})` };
  }
  return { kind: "impossible", reason: `blob ${fileRoot} cannot be proven` };
}
