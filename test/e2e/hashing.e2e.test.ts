/**
 * The extension's hashing worker in real Chromium, as the full page drives it: the CSP lets it
 * compile the WebAssembly SHA-256, files of several segments are shared with nested helper workers
 * (one per core), and every root equals Node's commitment of the same file on disk. A file that
 * changes on disk after it was chosen fails with a message that says so, and the worker keeps
 * working for the next file.
 */
import { appendFile } from "node:fs/promises";
import os from "node:os";
import { fileCommitment } from "@pekanu/protocol/node";
import type { ElementHandle, Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type BrowserSession, launchBrowser } from "../support/browser.ts";
import { makeTempFile } from "./support/pekanu.ts";
import { releaseStack, useStack } from "./support/stack.ts";

const MIB = 1 << 20;
let session: BrowserSession;
let page: Page;
let workerFile: string;
const cleanups: (() => Promise<void>)[] = [];

type Committed = { root: string; size: number; chunks: number; engine: string; threads: number };

/** Chooses `path` in a file input of the extension page and commits it in the hashing worker. */
async function commitInWorker(path: string, { changeBeforeHashing }: { changeBeforeHashing?: () => Promise<void> } = {}) {
  const input = (await page.evaluateHandle(() => {
    const element = document.createElement("input");
    element.type = "file";
    document.body.append(element);
    return element;
  })) as ElementHandle<HTMLInputElement>;
  await input.uploadFile(path);
  await changeBeforeHashing?.();
  return page.evaluate(
    (element, workerFile) =>
      new Promise<Committed | { error: string }>((resolve) => {
        const w = ((globalThis as unknown as { hashWorker?: Worker }).hashWorker ??= new Worker(`/${workerFile}`));
        w.onmessage = (e: MessageEvent) => {
          if (e.data.kind === "committed") resolve(e.data);
          else if (e.data.kind === "error") resolve({ error: e.data.message });
        };
        w.postMessage({ id: Date.now(), kind: "commit", file: element.files![0] });
      }),
    input,
    workerFile,
  );
}

describe("hashing worker in Chromium", () => {
  beforeAll(async () => {
    const stack = await useStack();
    session = await launchBrowser({ extensions: [stack.extensionDir] });
    const { readdirSync } = await import("node:fs");
    workerFile = readdirSync(stack.extensionDir).find((f) => /^hash\.worker\..*\.js$/.test(f))!;
    page = await session.browser.newPage();
    await page.goto(`chrome-extension://${session.extensionIds[0]}/tabs/app.html`, { waitUntil: "load" });
  }, 300_000);

  afterAll(async () => {
    await session?.close();
    for (const cleanup of cleanups) await cleanup();
    await releaseStack();
  });

  test.each([
    ["an empty file", 0],
    ["one byte", 1],
    ["exactly one 16 MiB segment", 16 * MIB],
    ["three segments, the last one short (helpers share them)", 40 * MIB + 123],
  ])("%s: the root equals Node's, hashed with WebAssembly SIMD", async (_, size) => {
    const file = await makeTempFile(`hash-${size}.bin`, size);
    cleanups.push(file.cleanup);
    const expected = await fileCommitment({ path: file.path });
    const result = await commitInWorker(file.path);
    expect(result).toMatchObject({ root: expected.root, size: expected.size, chunks: expected.chunks, engine: "wasm-simd" });
    // Several segments: one helper per core (at most 4); one segment: this thread alone.
    const cores = Math.min(os.availableParallelism(), 4);
    expect((result as Committed).threads).toBe(size > 16 * MIB && cores > 1 ? cores : 1);
  });

  test("a file changed on disk after it was chosen is refused with a clear message; the next file works", async () => {
    const file = await makeTempFile("changing.bin", 20 * MIB);
    cleanups.push(file.cleanup);
    const result = await commitInWorker(file.path, { changeBeforeHashing: () => appendFile(file.path, Buffer.alloc(4096, 1)) });
    expect(result).toEqual({ error: "The file changed or can no longer be read since it was selected. Select it again." });
    const next = await makeTempFile("next.bin", 17 * MIB);
    cleanups.push(next.cleanup);
    expect(await commitInWorker(next.path)).toMatchObject({ root: (await fileCommitment({ path: next.path })).root });
  });
});
