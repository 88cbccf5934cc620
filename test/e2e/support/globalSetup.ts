/**
 * vitest globalSetup of the e2e project: a control server in vitest's main process that starts the
 * shared stack (chain + provider server + extension build, see stack.ts) when the first test file
 * asks for it, and stops it when the run ends. Runs that never ask (e.g. only the wallet test) pay
 * nothing.
 */
import { createServer } from "node:http";
import type { TestProject } from "vitest/node";
import { CONTROL_KEY, type RunningStack, startStack } from "./stack.ts";

export default async function setup(project: TestProject) {
  let stack: Promise<RunningStack> | null = null;
  const log = process.env.PEKANU_E2E_DEBUG ? (line: string) => process.stderr.write(`e2e stack: ${line}\n`) : undefined;
  const server = createServer((req, res) => {
    if (req.method !== "POST" || req.url !== "/stack") return void res.writeHead(404).end();
    stack ??= startStack({ log });
    stack.then(
      (running) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ info: running.info })),
      (error: unknown) =>
        res.writeHead(500, { "content-type": "application/json" }).end(JSON.stringify({ error: error instanceof Error ? error.stack ?? error.message : String(error) })),
    );
  });
  // Starting the stack (build included) can take a while: no socket timeout.
  server.requestTimeout = 0;
  server.headersTimeout = 0;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address !== "object") throw new Error("control server has no port");
  project.provide(CONTROL_KEY, `http://127.0.0.1:${address.port}`);

  return async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    if (stack) await (await stack.catch(() => null))?.stop();
  };
}
