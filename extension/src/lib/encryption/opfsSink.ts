import type { DownloadSink } from "./decryptDownload.ts";

/** Prefix of the temporary files a download writes in the origin-private file system. */
export const DOWNLOAD_PREFIX = "pekanu-download-";

/**
 * A {@link DownloadSink} writing to a temporary file in the extension's origin-private file system
 * (OPFS, on disk, no size limit beyond the disk with `unlimitedStorage`): the decrypted file streams to
 * disk, never into memory. `close` returns the finished File — disk-backed, so
 * `URL.createObjectURL(file)` + a download hands it to the Downloads folder without loading it — and
 * `abort` deletes it. (Chromium's writable stream writes to a swap file and moves it into place only
 * on close, so even a crash leaves no partial file under the final name.) `removeDownload` deletes
 * the temporary file once the browser has copied it.
 *
 * Why OPFS: `showSaveFilePicker` needs a user gesture and a picker a test cannot answer, and a blob URL
 * of an in-memory Blob (or chrome.downloads of one) holds the whole file in memory; a service-worker
 * streamed response would start the real download before the last segment is verified.
 */
export async function opfsSink(): Promise<DownloadSink<File> & { name: string }> {
  const dir = await navigator.storage.getDirectory();
  const name = `${DOWNLOAD_PREFIX}${crypto.randomUUID()}`;
  const handle = await dir.getFileHandle(name, { create: true });
  // In a dedicated worker, a synchronous access handle writes without a round trip to the browser
  // per write (several times faster); the file has a temporary name either way.
  const syncHandle = await (handle as unknown as { createSyncAccessHandle?: () => Promise<SyncHandle> }).createSyncAccessHandle?.().catch(() => undefined);
  if (syncHandle) {
    let at = 0;
    return {
      name,
      async write(bytes) {
        for (let done = 0; done < bytes.length; ) done += syncHandle.write(bytes.subarray(done), { at: at + done });
        at += bytes.length;
      },
      async close() {
        syncHandle.flush();
        syncHandle.close();
        return handle.getFile();
      },
      async abort() {
        try {
          syncHandle.close();
        } catch {
          // already closed
        }
        await dir.removeEntry(name).catch(() => undefined);
      },
    };
  }
  const writable = await handle.createWritable();
  return {
    name,
    write: (bytes) => writable.write(bytes as Uint8Array<ArrayBuffer>),
    async close() {
      await writable.close();
      return handle.getFile();
    },
    async abort(reason) {
      await writable.abort(reason).catch(() => undefined);
      await dir.removeEntry(name).catch(() => undefined);
    },
  };
}

type SyncHandle = { write(bytes: Uint8Array, options: { at: number }): number; flush(): void; close(): void };

/**
 * Deletes a finished download's temporary file (after the browser copied it), or — without a name —
 * every one left by an earlier session: untouched for `olderThanMs` (default 10 minutes, so a
 * download another page is writing or handing over right now is left alone).
 */
export async function removeDownload(name?: string, { olderThanMs = 10 * 60_000 }: { olderThanMs?: number } = {}): Promise<void> {
  const dir = await navigator.storage.getDirectory();
  if (name) return dir.removeEntry(name).catch(() => undefined);
  for await (const entry of (dir as unknown as { keys(): AsyncIterable<string> }).keys()) {
    if (!entry.startsWith(DOWNLOAD_PREFIX)) continue;
    const modified = await dir
      .getFileHandle(entry)
      .then((h) => h.getFile())
      .then((f) => f.lastModified)
      .catch(() => 0);
    if (Date.now() - modified >= olderThanMs) await dir.removeEntry(entry).catch(() => undefined);
  }
}
