import type { Hex } from "viem";
import { TREE_LEVEL } from "../blobs/treeLayout.ts";
import type { ServerContext } from "../context.ts";
import { createUploadHasher } from "../orders/createUploadHasher.ts";

/**
 * Stores a job's result as a blob like an uploaded file (content-addressed by its root, with its
 * stored tree), so downloads, audits, storage challenges and result challenges work on it. Storing
 * the same bytes again (a job re-run after a restart) changes nothing.
 */
export async function storeResult({ ctx, bytes }: { ctx: ServerContext; bytes: Uint8Array }): Promise<{ root: Hex; size: number }> {
  const hasher = createUploadHasher({ recordFrom: TREE_LEVEL });
  hasher.update(bytes);
  const { root, size } = hasher.digest();
  if (!(await ctx.blobs.has(root))) {
    const writer = await ctx.blobs.createWriter({ fileRoot: root });
    let kept = false;
    try {
      await writer.write([bytes]);
      await ctx.blobs.putTree({ fileRoot: root, tree: hasher.tree() });
      kept = true;
      await writer.commit({ fileRoot: root, size });
    } finally {
      if (!kept) await writer.abort();
    }
  }
  await ctx.store.files.add({ fileRoot: root, size, now: Math.floor(Date.now() / 1000) });
  return { root, size };
}
