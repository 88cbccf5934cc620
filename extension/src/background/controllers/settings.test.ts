import { describe, expect, it } from "vitest";
import { defaultSettings } from "../../lib/settings.ts";
import { memoryStore } from "../store.ts";
import { createBackgroundMessenger } from "../types.ts";
import { SETTINGS_KEY, SettingsController } from "./settings.ts";

describe("settings controller", () => {
  it("persists changes, publishes them, and ignores a stored wallet id that is not an extension id", async () => {
    const messenger = createBackgroundMessenger();
    const store = memoryStore({ [SETTINGS_KEY]: { walletExtensionId: "not-an-id", defaultStorageDays: 90 } });
    const settings = new SettingsController({ messenger, store });
    const watch = { watchChunks: 4, watchIntervalMinutes: 360, watchUnreachableMinutes: 720, watchAutoEnforce: false, watchSpendCapWei: "0" };
    expect(await settings.load()).toEqual({ walletExtensionId: defaultSettings().walletExtensionId, defaultStorageDays: 90, ...watch });
    const heard: unknown[] = [];
    messenger.subscribe("settings:changed", (s) => heard.push(s));
    const id = "a".repeat(32);
    await settings.set({ walletExtensionId: id });
    expect(messenger.call("settings:get")).toEqual({ walletExtensionId: id, defaultStorageDays: 90, ...watch });
    expect(await store.get(SETTINGS_KEY)).toEqual({ walletExtensionId: id, defaultStorageDays: 90, ...watch });
    expect(heard).toHaveLength(1);
    // The watchtower's settings persist too.
    await settings.set({ watchIntervalMinutes: 1, watchAutoEnforce: true, watchSpendCapWei: "5000" });
    expect(messenger.call("settings:get")).toMatchObject({ watchIntervalMinutes: 1, watchAutoEnforce: true, watchSpendCapWei: "5000", watchChunks: 4 });
    await settings.set({ watchIntervalMinutes: 360, watchAutoEnforce: false, watchSpendCapWei: "0" });
    // A new controller (service worker restart) reads the same settings.
    expect(await new SettingsController({ messenger: createBackgroundMessenger(), store }).load()).toEqual({ walletExtensionId: id, defaultStorageDays: 90, ...watch });
  });
});
