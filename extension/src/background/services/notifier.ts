// The watchtower's notifier over chrome.*: one notification per alert (its id is the alert's),
// and the number of open alerts as the toolbar badge.
import type { Notifier } from "../controllers/watch.ts";

export function chromeNotifier(): Notifier {
  return {
    async show(alert) {
      await chrome.notifications.create(alert.id, {
        type: "basic",
        iconUrl: chrome.runtime.getURL(iconPath()),
        title: alert.title,
        message: alert.message,
        priority: alert.kind === "failed" || alert.kind === "claim" ? 2 : 1,
        requireInteraction: alert.kind === "failed" || alert.kind === "claim",
      });
    },
    async clear(id) {
      await chrome.notifications.clear(id);
    },
    async badge(count) {
      await chrome.action.setBadgeText({ text: count > 0 ? String(count) : "" });
      if (count > 0) await chrome.action.setBadgeBackgroundColor({ color: "#b3261e" });
    },
  };
}

/** The largest icon the manifest declares. */
function iconPath(): string {
  const icons = (chrome.runtime.getManifest().icons ?? {}) as Record<string, string>;
  const sizes = Object.keys(icons).map(Number).sort((a, b) => b - a);
  return sizes.length ? icons[String(sizes[0])]! : "icon.png";
}
