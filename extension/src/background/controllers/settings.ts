// The settings controller: the wallet's extension id and the default storage period, persisted.
import { defaultSettings, EXTENSION_ID_PATTERN, type Settings } from "../../lib/settings.ts";
import type { KeyValueStore } from "../store.ts";
import type { BackgroundMessenger } from "../types.ts";

export const SETTINGS_KEY = "settings";

export class SettingsController {
  private settings: Settings = defaultSettings();

  constructor(private readonly deps: { messenger: BackgroundMessenger; store: KeyValueStore }) {
    deps.messenger.registerAction("settings:get", () => this.settings);
  }

  async load(): Promise<Settings> {
    const stored = await this.deps.store.get<Partial<Settings>>(SETTINGS_KEY);
    this.settings = { ...defaultSettings(), ...(stored ?? {}) };
    if (!EXTENSION_ID_PATTERN.test(this.settings.walletExtensionId)) this.settings.walletExtensionId = defaultSettings().walletExtensionId;
    return this.settings;
  }

  get state(): Settings {
    return this.settings;
  }

  async set(patch: Partial<Settings>): Promise<Settings> {
    this.settings = {
      ...this.settings,
      ...(patch.walletExtensionId ? { walletExtensionId: patch.walletExtensionId } : {}),
      ...(patch.defaultStorageDays ? { defaultStorageDays: patch.defaultStorageDays } : {}),
      ...pickWatch(patch),
    };
    await this.deps.store.set(SETTINGS_KEY, this.settings);
    this.deps.messenger.publish("settings:changed", this.settings);
    return this.settings;
  }
}

/** The watchtower's settings present in a patch. */
function pickWatch(patch: Partial<Settings>): Partial<Settings> {
  const out: Partial<Settings> = {};
  if (patch.watchChunks !== undefined) out.watchChunks = patch.watchChunks;
  if (patch.watchIntervalMinutes !== undefined) out.watchIntervalMinutes = patch.watchIntervalMinutes;
  if (patch.watchUnreachableMinutes !== undefined) out.watchUnreachableMinutes = patch.watchUnreachableMinutes;
  if (patch.watchAutoEnforce !== undefined) out.watchAutoEnforce = patch.watchAutoEnforce;
  if (patch.watchSpendCapWei !== undefined) out.watchSpendCapWei = patch.watchSpendCapWei;
  return out;
}
