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
};

export function defaultSettings(): Settings {
  return { walletExtensionId: defaultWalletExtensionId(), defaultStorageDays: 30 };
}
