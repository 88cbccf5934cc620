// MV3 service worker: binds the background (background.ts: services and controllers over one
// messenger) to chrome.*. Owns the ports and alarms; every message and port checks its sender:
// only this extension's own pages may talk to it.
import { PORT_NAME, requestSchema, type Response } from "../lib/messages.ts";
import { isOwnExtensionPage } from "../lib/sender.ts";
import { createBackground, malformedRequest } from "./background.ts";
import { chromeStore } from "./store.ts";
import { WATCH_ALARM } from "./controllers/watch.ts";
import { chromeNotifier } from "./services/notifier.ts";

const ALARM = "pekanu-resume";
const APP_PATH = "tabs/app.html";

/** Only our own extension pages (popup, full page, options): never content scripts, web pages or other extensions. */
function isOwnPage(sender: chrome.runtime.MessageSender): boolean {
  return isOwnExtensionPage(sender, { id: chrome.runtime.id, baseUrl: chrome.runtime.getURL("") });
}

/** The one "Open Pekanu" tab: focused if open, created otherwise. */
async function openApp(hash: string): Promise<void> {
  const base = chrome.runtime.getURL(APP_PATH);
  const contexts = await chrome.runtime.getContexts({ contextTypes: [chrome.runtime.ContextType.TAB] }).catch(() => []);
  const open = contexts.find((c) => c.documentUrl?.startsWith(base) && c.tabId !== undefined && c.tabId >= 0);
  if (open) {
    await chrome.tabs.update(open.tabId, { active: true, ...(hash ? { url: `${base}${hash}` } : {}) });
    if (open.windowId !== undefined && open.windowId >= 0) await chrome.windows.update(open.windowId, { focused: true }).catch(() => undefined);
    return;
  }
  await chrome.tabs.create({ url: `${base}${hash}` });
}

const NOTIFICATIONS_RESTORED = "watchNotificationsRestored";

const background = createBackground({
  store: chromeStore(),
  hasHostPermission: (origin) => chrome.permissions.contains({ origins: [`${origin}/*`] }),
  // MetaMask names a request from another extension by that extension's origin; its SIWE check
  // compares the message's domain with that origin's host: the extension id.
  siweOrigin: () => ({ domain: chrome.runtime.id }),
  openApp,
  notifier: chromeNotifier(),
  scheduleWatch: (when) => chrome.alarms.create(WATCH_ALARM, { when }),
});
chrome.notifications.onClicked.addListener((id) => {
  const alert = background.watch.view.alerts[id];
  void openApp(alert ? alert.hash : "");
});

chrome.runtime.onMessage.addListener((message: unknown, sender, sendResponse: (r: Response) => void) => {
  if (!isOwnPage(sender)) return false;
  const parsed = requestSchema.safeParse(message);
  if (!parsed.success) {
    sendResponse({ ok: false, error: malformedRequest(parsed.error.message) });
    return false;
  }
  const request = parsed.data;
  background
    .handle(request)
    .then((data) => sendResponse({ ok: true, data }))
    .catch(async (err) => sendResponse({ ok: false, error: await background.failRequest(request, err) }));
  return true; // answer asynchronously
});

chrome.runtime.onConnect.addListener((port) => {
  if (port.name !== PORT_NAME || !port.sender || !isOwnPage(port.sender)) {
    port.disconnect();
    return;
  }
  background.addPort(port);
});

// Wake up periodically while something is pending (tx receipts, confirmations, deadlines).
chrome.alarms.create(ALARM, { periodInMinutes: 1 });
chrome.alarms.onAlarm.addListener((alarm) => {
  if (alarm.name === ALARM) background.resume();
  if (alarm.name === WATCH_ALARM) void background.ready.then(() => background.watch.tick());
});
chrome.runtime.onStartup.addListener(() => background.resume());
chrome.runtime.onInstalled.addListener(() => background.resume());

// A restarted service worker picks up where the persisted state says it was.
background.resume();

// chrome.storage.session is empty after a browser restart (and an extension update), when the
// notifications and the badge shown before are gone too; the watchtower's alerts are not: show
// them again, once per browser session (a service worker restart keeps the flag: nothing the
// person closed pops up again).
void chrome.storage.session.get(NOTIFICATIONS_RESTORED).then(async (got) => {
  if (got[NOTIFICATIONS_RESTORED]) return;
  await chrome.storage.session.set({ [NOTIFICATIONS_RESTORED]: true });
  await background.ready;
  await background.watch.restoreNotifications();
});

// For the e2e tests and debugging in the service worker console.
(globalThis as unknown as { pekanu: typeof background }).pekanu = background;
