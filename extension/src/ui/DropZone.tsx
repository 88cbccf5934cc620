// Many files at once: drop files and folders here, or pick several files or a folder. Each file's
// fingerprint is computed in this page (the bytes stay here), then they become one batch of
// orders in the background, whose prices are asked right away.
import { useState, type DragEvent } from "react";
import type { BatchAdded } from "../background/controllers/batch.ts";
import { filesFromDataTransfer, filesFromInput, type PickedFile } from "../lib/droppedFiles.ts";
import type { HumanError } from "../lib/errors.ts";
import { formatBytes } from "../lib/format.ts";
import type { View } from "../lib/messages.ts";
import { humanOf, send } from "./background.ts";
import { batchFiles } from "./batchFiles.ts";
import { Progress } from "./components.tsx";
import { DEFAULT_SEGMENT_SIZE } from "@pekanu/protocol/encryption";
import { fileTooLarge } from "../lib/fileTooLarge.ts";
import { largestFileLine } from "../lib/largestFileLine.ts";
import { EncryptionChoice } from "./EncryptionChoice.tsx";
import { prepareFile, type EncryptionChoiceMode } from "./prepareFile.ts";

/** Chromium's folder picker attribute (not in React's types). */
const folderPicker = { webkitdirectory: "", directory: "" } as Record<string, string>;

export function DropZone({ view, onError }: { view: View; onError: (e: HumanError) => void }) {
  const [over, setOver] = useState(false);
  const [mode, setMode] = useState<EncryptionChoiceMode>("private");
  const [reading, setReading] = useState<{ index: number; count: number; bytes: number; total: number } | null>(null);
  const [refused, setRefused] = useState<{ name: string; message: string }[]>([]);
  const [days, setDays] = useState(view.settings.defaultStorageDays);
  const info = view.flow.provider?.info;
  const ready = view.step !== "connect" && view.step !== "signIn" && view.step !== "register" && view.step !== "registering";

  const take = async (all: PickedFile[]) => {
    if (all.length === 0) return;
    setRefused([]);
    // A file larger than the provider stores (encrypted, a little less than its limit) is refused
    // here, before it is read; the others go on.
    const tooLarge: { name: string; message: string }[] = [];
    const picked = all.filter(({ file, path }) => {
      const refusal = info
        ? fileTooLarge({ maxFileSize: info.pricing.maxFileSize, name: path, plainSize: file.size, encryption: mode === "none" ? null : { segmentSize: DEFAULT_SEGMENT_SIZE } })
        : null;
      if (refusal) tooLarge.push({ name: path, message: refusal.message });
      return !refusal;
    });
    setRefused(tooLarge);
    if (picked.length === 0) return;
    const total = picked.reduce((sum, p) => sum + p.file.size, 0);
    let done = 0;
    try {
      const metas = [];
      for (const [index, { file, path }] of picked.entries()) {
        setReading({ index, count: picked.length, bytes: done, total });
        // An empty file has nothing to fingerprint: the background refuses it in words.
        // Each file is encrypted (unless "not encrypted" is chosen) and committed in the page's worker.
        if (file.size === 0) metas.push({ name: path, size: 0, lastModified: file.lastModified, mimeType: file.type, fileRoot: `0x${"0".repeat(64)}` as `0x${string}`, chunks: 1 });
        else {
          const { meta } = await prepareFile({ file, encryption: mode, onProgress: (bytes) => setReading({ index, count: picked.length, bytes: done + bytes, total }) });
          metas.push({ ...meta, name: path });
        }
        done += file.size;
      }
      const added = await send<BatchAdded>({ type: "batch.add", files: metas, storageDays: days });
      added.ids.forEach((id, i) => id && batchFiles.set(id, picked[i]!.file));
      setRefused([...tooLarge, ...added.refused]);
      await send({ type: "batch.quote", batchId: added.batchId });
    } catch (err) {
      onError(humanOf(err));
    } finally {
      setReading(null);
    }
  };
  const guard = async (work: () => Promise<PickedFile[]> | PickedFile[]) => {
    try {
      await take(await work());
    } catch (err) {
      onError(err instanceof Error && err.name === "TooManyFilesError" ? { code: "TooManyFiles", title: "Too many files", message: err.message, action: "none" } : humanOf(err));
    }
  };
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    if (!ready || reading) return;
    void guard(() => filesFromDataTransfer(e.dataTransfer));
  };

  return (
    <section className="card" aria-labelledby="dropzone-title" data-testid="dropzone-card">
      <h2 id="dropzone-title">Store many files at once</h2>
      <div
        className={`dropzone ${over ? "over" : ""}`}
        data-testid="dropzone"
        data-over={String(over)}
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
      >
        <p>{ready ? "Drop files or folders here — or choose them:" : "Connect a provider and sign in (above) first; then drop files or folders here."}</p>
        <div className="row">
          <label className="button secondary">
            Choose files
            <input type="file" multiple className="sr-only" data-testid="batch-files-input" disabled={!ready || reading !== null} onChange={(e) => e.target.files && void guard(() => filesFromInput(e.target.files!))} />
          </label>
          <label className="button secondary">
            Choose a folder
            <input type="file" {...folderPicker} className="sr-only" data-testid="batch-folder-input" disabled={!ready || reading !== null} onChange={(e) => e.target.files && void guard(() => filesFromInput(e.target.files!))} />
          </label>
          <label className="row">
            Keep for
            <input
              type="number"
              data-testid="batch-storage-days"
              min={info?.pricing.minStorageDays ?? 1}
              max={info?.pricing.maxStorageDays ?? 36500}
              value={days}
              style={{ width: 80 }}
              onChange={(e) => setDays(Number(e.target.value))}
            />
            days
          </label>
        </div>
      </div>
      <EncryptionChoice name="batch-encryption-mode" value={mode} onChange={setMode} disabled={reading !== null} />
      {info ? (
        <p className="muted" data-testid="batch-largest-file">
          This provider takes {largestFileLine({ maxFileSize: info.pricing.maxFileSize, protection: mode })}.
        </p>
      ) : null}
      {reading ? (
        <div data-testid="batch-reading" role="status">
          Reading file {reading.index + 1} of {reading.count} to compute its fingerprint… {formatBytes(reading.bytes)} of {formatBytes(reading.total)}
          <Progress value={reading.bytes} total={reading.total} testid="batch-reading-progress" label="Reading the files" />
        </div>
      ) : null}
      {refused.length > 0 ? (
        <ul className="warn" data-testid="batch-refused">
          {refused.map((r) => (
            <li key={r.name}>
              {r.name}: {r.message}
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
