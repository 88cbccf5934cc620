// Upload (seed step 12) and download through L, from the page: file bytes never cross to the
// background. XMLHttpRequest for upload progress; fetch streaming for download progress.
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
  const reader = response.body.getReader();
  const parts: Uint8Array[] = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    received += value.length;
    onProgress(received, total);
  }
  return new Blob(parts as BlobPart[]);
}

export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
