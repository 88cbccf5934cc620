// The files of a drop (files AND folders, walked recursively with the File and Directory Entries
// API: DataTransferItem.webkitGetAsEntry) or of a picker (<input multiple> / <input webkitdirectory>),
// each named by its path inside what was dropped ("photos/2024/a.jpg").

/** The parts of FileSystemEntry this walk uses (the DOM types, narrowed so tests can fake them). */
export type EntryLike = {
  isFile: boolean;
  isDirectory: boolean;
  name: string;
  fullPath?: string;
  file?: (ok: (file: File) => void, fail?: (err: unknown) => void) => void;
  createReader?: () => { readEntries: (ok: (entries: EntryLike[]) => void, fail?: (err: unknown) => void) => void };
};

export type PickedFile = { file: File; path: string };

/** The most files one drop may hold (a batch is paid in one transaction). */
export const MAX_DROPPED_FILES = 200;

export class TooManyFilesError extends Error {
  override readonly name = "TooManyFilesError";
  constructor(readonly limit: number) {
    super(`More than ${limit} files: store a smaller folder at a time.`);
  }
}

function fileOf(entry: EntryLike): Promise<File> {
  return new Promise((resolve, reject) => entry.file!(resolve, reject));
}

/** A directory's entries: readEntries answers in pages until it answers an empty one. */
async function readAll(entry: EntryLike): Promise<EntryLike[]> {
  const reader = entry.createReader!();
  const all: EntryLike[] = [];
  for (;;) {
    const page = await new Promise<EntryLike[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (page.length === 0) return all;
    all.push(...page);
  }
}

/** Every file under `entries` (folders walked depth first, names sorted), at most `limit`. */
export async function filesFromEntries(entries: EntryLike[], limit = MAX_DROPPED_FILES): Promise<PickedFile[]> {
  const out: PickedFile[] = [];
  const walk = async (entry: EntryLike, prefix: string): Promise<void> => {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isFile && entry.file) {
      if (out.length >= limit) throw new TooManyFilesError(limit);
      out.push({ file: await fileOf(entry), path });
    } else if (entry.isDirectory && entry.createReader) {
      const children = (await readAll(entry)).sort((a, b) => a.name.localeCompare(b.name));
      for (const child of children) await walk(child, path);
    }
  };
  for (const entry of entries) await walk(entry, "");
  return out;
}

/** A drop's files: folders through their entries, plain files as they are. */
export async function filesFromDataTransfer(data: Pick<DataTransfer, "items" | "files">, limit = MAX_DROPPED_FILES): Promise<PickedFile[]> {
  const entries: EntryLike[] = [];
  const loose: File[] = [];
  for (const item of Array.from(data.items ?? [])) {
    if (item.kind !== "file") continue;
    const entry = (item.webkitGetAsEntry?.() ?? null) as EntryLike | null;
    if (entry) entries.push(entry);
    else {
      const file = item.getAsFile();
      if (file) loose.push(file);
    }
  }
  if (entries.length === 0 && loose.length === 0) loose.push(...Array.from(data.files ?? []));
  const walked = await filesFromEntries(entries, limit);
  if (walked.length + loose.length > limit) throw new TooManyFilesError(limit);
  return [...walked, ...loose.map((file) => ({ file, path: file.name }))];
}

/** A picker's files (<input webkitdirectory> names them by webkitRelativePath). */
export function filesFromInput(list: FileList | File[], limit = MAX_DROPPED_FILES): PickedFile[] {
  const files = Array.from(list);
  if (files.length > limit) throw new TooManyFilesError(limit);
  // Chromium lists a picked folder in no particular order: by path, as a drop is walked.
  return files.map((file) => ({ file, path: file.webkitRelativePath || file.name })).sort((a, b) => a.path.localeCompare(b.path));
}
