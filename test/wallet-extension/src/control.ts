/// <reference types="chrome" />
/**
 * The wallet's control page (chrome-extension://<wallet id>/control.html).
 * Tests drive the wallet through `window.testWallet`, which relays to the
 * service worker with runtime messages: that also wakes a stopped worker.
 */
import type { WalletControl, WalletOptions } from "./options.ts";

async function call<T>(name: keyof WalletControl, ...args: unknown[]): Promise<T> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      const response = (await chrome.runtime.sendMessage({ testWallet: name, args })) as
        | { ok: true; result: T }
        | { ok: false; error: string }
        | undefined;
      if (!response) throw new Error("no response from the wallet service worker");
      if (!response.ok) throw new Error(response.error);
      return response.result;
    } catch (error) {
      // The worker may still be starting ("Receiving end does not exist").
      if (!/Receiving end does not exist|no response/i.test(String(error))) throw error;
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw lastError;
}

const testWallet: WalletControl = {
  getOptions: () => call("getOptions"),
  setOptions: (options: Partial<WalletOptions>) => call("setOptions", options),
  reset: () => call("reset"),
  getLog: () => call("getLog"),
  clearLog: () => call("clearLog"),
  getPermittedOrigins: () => call("getPermittedOrigins"),
  getAddress: () => call("getAddress"),
};
(window as unknown as { testWallet: WalletControl }).testWallet = testWallet;

async function render(): Promise<void> {
  const status = document.getElementById("status");
  if (!status) return;
  try {
    const [options, address, log] = await Promise.all([testWallet.getOptions(), testWallet.getAddress(), testWallet.getLog()]);
    const sends = log.filter((entry) => entry.method === "eth_sendTransaction");
    status.textContent = JSON.stringify(
      {
        address,
        rpcUrl: options.rpcUrl,
        reject: options.reject,
        locked: options.locked,
        approvalDelayMs: options.approvalDelayMs,
        requests: log.length,
        eth_sendTransaction: sends.map((entry) => `${entry.status} ${entry.origin}`),
        last: log.slice(-10).map((entry) => `#${entry.seq} ${entry.method} ${entry.status}`),
      },
      null,
      2,
    );
  } catch (error) {
    status.textContent = `error: ${String(error)}`;
  }
}
// On demand only: polling would keep the service worker from ever going idle.
(window as unknown as { renderStatus: () => Promise<void> }).renderStatus = render;
document.getElementById("refresh")?.addEventListener("click", () => void render());
void render();
