// Upload (seed step 12) and download through L, from the page: file bytes never cross to the
// background. XMLHttpRequest for upload progress; downloads stream to a temporary file on disk.
export type UploadResult = { status: number; body: string };

export function uploadFile({
  url,
  token,
  file,
  onProgress,
  signal,
}: {
  url: string;
  token: string | null;
  file: Blob;
  onProgress: (sent: number, total: number) => void;
  signal?: AbortSignal;
}): Promise<UploadResult> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", url);
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    if (token) xhr.setRequestHeader("Authorization", `Bearer ${token}`);
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.onload = () => resolve({ status: xhr.status, body: xhr.responseText });
    xhr.onerror = () => reject(new Error("The connection to the provider broke during the upload."));
    xhr.ontimeout = () => reject(new Error("The upload timed out."));
    xhr.onabort = () => reject(new Error("The upload was cancelled."));
    signal?.addEventListener("abort", () => xhr.abort());
    xhr.send(file);
  });
}

/** Temporary files of plain downloads in the origin-private file system: `${prefix}${startedAt}-${uuid}`. */
export const PLAIN_DOWNLOAD_PREFIX = "pekanu-plain-download-";
/** A finished download's temporary file is kept this long (the browser copies it meanwhile). */
const KEEP_MS = 10 * 60_000;

/**
 * Downloads through L to DISK, not memory: the response streams into a temporary file in the
 * origin-private file system (`unlimitedStorage`) and the disk-backed File is returned (the caller
 * checks it against the committed root, then hands it to the Downloads folder). Temporary files of
 * earlier downloads older than 10 minutes are removed first. Without OPFS, the bytes are gathered
 * in memory as before.
 */
export async function downloadBytes({
  url,
  token,
  onProgress,
}: {
  url: string;
  token: string | null;
  onProgress: (received: number, total: number) => void;
}): Promise<Blob> {
  const response = await fetch(url, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  if (!response.ok) throw new Error(`The provider answered ${response.status} to the download.`);
  const total = Number(response.headers.get("content-length") ?? 0);
  if (!response.body) return response.blob();
  const dir = await navigator.storage?.getDirectory?.().catch(() => null);
  let received = 0;
  const counted = response.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        received += chunk.length;
        onProgress(received, total);
        controller.enqueue(chunk);
      },
    }),
  );
  if (!dir) return new Response(counted).blob();
  await removeOldDownloads(dir);
  const name = `${PLAIN_DOWNLOAD_PREFIX}${Date.now()}-${crypto.randomUUID()}`;
  const handle = await dir.getFileHandle(name, { create: true });
  try {
    await counted.pipeTo(await handle.createWritable());
  } catch (err) {
    await dir.removeEntry(name).catch(() => undefined);
    throw err;
  }
  return handle.getFile();
}

async function removeOldDownloads(dir: FileSystemDirectoryHandle): Promise<void> {
  for await (const entry of (dir as unknown as { keys(): AsyncIterable<string> }).keys()) {
    if (!entry.startsWith(PLAIN_DOWNLOAD_PREFIX)) continue;
    const startedAt = Number(entry.slice(PLAIN_DOWNLOAD_PREFIX.length).split("-")[0]);
    if (!(Date.now() - startedAt < KEEP_MS)) await dir.removeEntry(entry).catch(() => undefined);
  }
}

export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
