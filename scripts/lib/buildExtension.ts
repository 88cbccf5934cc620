// Builds the extension with plasmo (as `npm start` and `npm run start:cluster` do) and returns the
// directory to load unpacked, or undefined when the build failed (the rest keeps running).
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";

export async function buildExtension({ root, say, walletExtensionId }: { root: string; say: (line?: string) => void; walletExtensionId?: string | undefined }): Promise<string | undefined> {
  say("extension: building with plasmo (about a minute the first time)...");
  const ok = await new Promise<boolean>((done) => {
    const child = spawn("npm", ["run", "build", "-w", "@pekanu/extension"], {
      cwd: root,
      stdio: ["ignore", "ignore", "inherit"],
      env: { ...process.env, ...(walletExtensionId ? { PLASMO_PUBLIC_WALLET_EXTENSION_ID: walletExtensionId } : {}) },
    });
    child.on("close", (code) => done(code === 0));
  });
  // plasmo names the output after PLASMO_TAG (default "prod"): tests build under their own tag.
  const extensionDir = `${root}extension/build/chrome-mv3-${process.env.PLASMO_TAG ?? "prod"}`;
  if (!ok || !existsSync(`${extensionDir}/manifest.json`)) {
    say("extension: build FAILED (see above); the chain and the provider keep running");
    return undefined;
  }
  return extensionDir;
}
