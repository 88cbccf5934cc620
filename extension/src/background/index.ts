// MV3 service worker: owns the wallet connection, chain reads, every flow's state and the vault.
// UI surfaces talk to it with one validated message type; only this extension's own pages may.
import { toHumanError } from "../lib/errors.ts";
import { PORT_NAME, requestSchema, type Response } from "../lib/messages.ts";
import { isOwnExtensionPage } from "../lib/sender.ts";
import { Engine } from "./engine.ts";

const engine = new Engine();
const ALARM = "pekanu-resume";

/** Only our own extension pages (popup, full page, options): never content scripts, web pages or other extensions. */
function isOwnPage(sender: chrome.runtime.MessageSender): boolean {
  return isOwnExtensionPage(sender, { id: chrome.runtime.id, baseUrl: chrome.runtime.getURL("") });
}

/** Requests whose failure belongs to the flow (shown in the popup too); vault and settings errors stay with their page. */
const flowRequests = new Set([
  "wallet.connect",
  "wallet.switchChain",
  "provider.connect",
  "auth.signIn",
  "registration.request",
  "registration.check",
  "order.quote",
  "order.checkBalance",
  "order.pay",
  "order.submitOwnershipProof",
]);

chrome.runtime.onMessage.addListener((message: unknown, sender, sendResponse: (r: Response) => void) => {
  if (!isOwnPage(sender)) return false;
  const parsed = requestSchema.safeParse(message);
  if (!parsed.success) {
    sendResponse({ ok: false, error: { code: "BadMessage", title: "Internal error", message: "The extension sent a malformed request.", action: "none", detail: parsed.error.message.slice(0, 300) } });
    return false;
  }
  const request = parsed.data;
  engine
    .handle(request)
    .then((data) => sendResponse({ ok: true, data }))
    .catch(async (err) => {
      const error = flowRequests.has(request.type) ? await engine.failRequest(err) : toHumanError(err);
      sendResponse({ ok: false, error });
    });
  return true; // answer asynchronously
});

chrome.runtime.onConnect.addListener((port) => {
  if (port.name !== PORT_NAME || !port.sender || !isOwnPage(port.sender)) {
    port.disconnect();
    return;
  }
  engine.addPort(port);
});

// Wake up periodically while something is pending (tx receipts, confirmations, deadlines).
chrome.alarms.create(ALARM, { periodInMinutes: 1 });
chrome.alarms.onAlarm.addListener((alarm) => {
  if (alarm.name === ALARM) engine.resume();
});
chrome.runtime.onStartup.addListener(() => engine.resume());
chrome.runtime.onInstalled.addListener(() => engine.resume());

// A restarted service worker picks up where the persisted state says it was.
engine.resume();

// For the e2e tests and debugging in the service worker console.
(globalThis as unknown as { pekanu: Engine }).pekanu = engine;
