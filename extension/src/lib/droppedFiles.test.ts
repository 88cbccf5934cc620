import { describe, expect, it } from "vitest";
import { filesFromDataTransfer, filesFromEntries, filesFromInput, TooManyFilesError, type EntryLike } from "./droppedFiles.ts";

const fileEntry = (name: string, size = 3): EntryLike => ({ isFile: true, isDirectory: false, name, file: (ok) => ok(new File([new Uint8Array(size)], name)) });
/** A folder whose reader answers in pages of two, then an empty page (as Chromium's does in pages of 100). */
const dirEntry = (name: string, children: EntryLike[]): EntryLike => ({
  isFile: false,
  isDirectory: true,
  name,
  createReader: () => {
    let at = 0;
    return { readEntries: (ok) => ok(children.slice(at, (at += 2))) };
  },
});

describe("files of a drop or a picker", () => {
  it("walks folders recursively, every page of their entries, and names files by their path", async () => {
    const tree = dirEntry("photos", [fileEntry("b.jpg"), dirEntry("2024", [fileEntry("x.jpg"), fileEntry("y.jpg"), fileEntry("z.jpg")]), fileEntry("a.jpg"), dirEntry("empty", [])]);
    const files = await filesFromEntries([tree, fileEntry("loose.txt")]);
    expect(files.map((f) => f.path)).toEqual(["photos/2024/x.jpg", "photos/2024/y.jpg", "photos/2024/z.jpg", "photos/a.jpg", "photos/b.jpg", "loose.txt"]);
    expect(files[0]!.file.size).toBe(3);
  });

  it("refuses a drop larger than the limit instead of dropping files silently", async () => {
    const big = dirEntry("big", Array.from({ length: 5 }, (_, i) => fileEntry(`f${i}`)));
    await expect(filesFromEntries([big], 4)).rejects.toBeInstanceOf(TooManyFilesError);
    expect(() => filesFromInput([new File(["a"], "a"), new File(["b"], "b")], 1)).toThrow(TooManyFilesError);
  });

  it("takes a DataTransfer's folders through their entries and plain files as they are", async () => {
    const plain = new File(["hello"], "plain.txt");
    const items = [
      { kind: "file", webkitGetAsEntry: () => dirEntry("docs", [fileEntry("one.txt")]), getAsFile: () => null },
      { kind: "file", webkitGetAsEntry: () => null, getAsFile: () => plain },
      { kind: "string", webkitGetAsEntry: () => null, getAsFile: () => null },
    ];
    const files = await filesFromDataTransfer({ items: items as unknown as DataTransferItemList, files: [] as unknown as FileList });
    expect(files.map((f) => f.path)).toEqual(["docs/one.txt", "plain.txt"]);
  });

  it("names a folder picker's files by their relative path", () => {
    const f = new File(["x"], "a.txt");
    Object.defineProperty(f, "webkitRelativePath", { value: "folder/sub/a.txt" });
    expect(filesFromInput([f, new File(["y"], "b.txt")]).map((p) => p.path)).toEqual(["b.txt", "folder/sub/a.txt"]);
  });
});
