import { randomBytes } from "node:crypto";
import { open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/**
 * Writes `pieces` to a temporary file next to `path` and renames it to `path` only when the
 * iteration completes; on any error the temporary file is removed and `path` is left untouched, so
 * nothing partial ever looks like a good file. Internal to the node helpers.
 */
export async function writeVerifiedFile({ path, pieces }: { path: string; pieces: AsyncIterable<Uint8Array> }): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.partial`);
  const handle = await open(temporary, "wx", 0o600);
  try {
    try {
      for await (const piece of pieces) {
        for (let offset = 0; offset < piece.length; ) offset += (await handle.write(piece, offset, piece.length - offset)).bytesWritten;
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
