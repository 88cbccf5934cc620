// User settings, kept in chrome.storage.local by the background.
export const METAMASK_EXTENSION_ID = "nkbihfbeogaeaoehlefnkodbefgpgknn";

/** Chrome extension ids are 32 letters a–p. */
export const EXTENSION_ID_PATTERN = /^[a-p]{32}$/;

/** Build-time default: PLASMO_PUBLIC_WALLET_EXTENSION_ID (e.g. the e2e tests' wallet), else MetaMask. */
export function defaultWalletExtensionId(): string {
  const fromEnv = process.env.PLASMO_PUBLIC_WALLET_EXTENSION_ID;
  return fromEnv && EXTENSION_ID_PATTERN.test(fromEnv) ? fromEnv : METAMASK_EXTENSION_ID;
}

export type Settings = {
  /** Extension id of the wallet that speaks MetaMask's external-extension protocol. */
  walletExtensionId: string;
  /** Storage period proposed for a new file. */
  defaultStorageDays: number;
  /** Watchtower: random chunks checked per file per check (extension/README.md argues the defaults). */
  watchChunks: number;
  /** Watchtower: each file is checked once per interval, at a random time within it. */
  watchIntervalMinutes: number;
  /** Watchtower: a provider unreachable this long is reported. */
  watchUnreachableMinutes: number;
  /** Watchtower: send the challenge and the claim by itself (each still confirmed in the wallet). */
  watchAutoEnforce: boolean;
  /** Watchtower: the most it may put down in bonds by itself (wei, decimal string). */
  watchSpendCapWei: string;
};

export function defaultSettings(): Settings {
  return {
    walletExtensionId: defaultWalletExtensionId(),
    defaultStorageDays: 30,
    watchChunks: 4,
    watchIntervalMinutes: 360,
    watchUnreachableMinutes: 720,
    watchAutoEnforce: false,
    watchSpendCapWei: "0",
  };
}
