/**
 * Settings and request log of the test wallet, shared by its service worker,
 * its control page and the Node-side test helpers (types only there).
 *
 * Everything lives in chrome.storage.local so that it survives the service
 * worker being stopped and restarted.
 */

/** Hardhat's default account #2 (funded with 10 000 ETH on `hardhat node`). */
export const HARDHAT_ACCOUNT_2_KEY = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a";
export const HARDHAT_ACCOUNT_2_ADDRESS = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
export const DEFAULT_RPC_URL = "http://127.0.0.1:8545";

/** Methods that MetaMask shows to the user for approval (and that `reject` refuses). */
export const APPROVAL_METHODS = [
  "eth_requestAccounts",
  "wallet_requestPermissions",
  "eth_sendTransaction",
  "personal_sign",
  "eth_signTypedData_v4",
  "wallet_switchEthereumChain",
  "wallet_addEthereumChain",
] as const;
export type ApprovalMethod = (typeof APPROVAL_METHODS)[number];

export interface WalletOptions {
  /** Development private key the wallet signs with (0x-prefixed, 32 bytes). */
  privateKey: string;
  /** JSON-RPC endpoint of the node; every read is forwarded here. */
  rpcUrl: string;
  /**
   * Simulates the user pressing "Reject": `true` rejects every approval method
   * with EIP-1193 error 4001, a list rejects only those methods, `false` approves.
   * As in MetaMask, eth_requestAccounts from an origin that is already connected
   * returns the accounts without a prompt, so it is not rejected (reset() forgets
   * connected origins).
   */
  reject: boolean | ApprovalMethod[];
  /** Milliseconds the "user" takes before approving/rejecting an approval method. */
  approvalDelayMs: number;
  /**
   * Locked wallet: the provider state says isUnlocked false, eth_accounts is
   * empty and approval requests wait until it is unlocked (or `reject` is set).
   * Toggling it sends metamask_unlockStateChanged to connected clients.
   */
  locked: boolean;
  /**
   * If true, origins get the account without eth_requestAccounts (as if the
   * user had connected them before). Default false: like MetaMask, eth_accounts
   * is [] until the origin called eth_requestAccounts.
   */
  autoConnect: boolean;
}

export const DEFAULT_OPTIONS: WalletOptions = {
  privateKey: HARDHAT_ACCOUNT_2_KEY,
  rpcUrl: DEFAULT_RPC_URL,
  reject: false,
  approvalDelayMs: 0,
  locked: false,
  autoConnect: false,
};

/** pending: not answered yet (or the service worker died first); ok: answered with a result. */
export type RequestStatus = "pending" | "ok" | "rejected" | "failed";

/** One request the wallet handled (approval methods, plus forwarded/answered reads). */
export interface WalletLogEntry {
  seq: number;
  /** ISO time the request arrived. */
  at: string;
  /** Origin of the connecting extension/page, e.g. chrome-extension://<id>. */
  origin: string;
  method: string;
  params: unknown;
  status: RequestStatus;
  /** For approval methods answered ok: the result (tx hash, signature, accounts...). */
  result?: unknown;
  error?: { code: number; message: string };
  /** Wallet address that handled it. */
  account: string;
  /** Milliseconds between arrival and answer. */
  durationMs?: number;
}

/** chrome.storage.local keys. */
export const STORAGE_KEYS = {
  options: "testWallet.options",
  log: "testWallet.log",
  permissions: "testWallet.permittedOrigins",
  addedChains: "testWallet.addedChains",
  logSeq: "testWallet.logSeq",
} as const;

/** Partial options as stored (merged over DEFAULT_OPTIONS and the build-time defaults). */
export type StoredOptions = Partial<WalletOptions>;

/** Chains added through wallet_addEthereumChain, keyed by 0x chain id. */
export type AddedChains = Record<string, { rpcUrl: string; chainName?: string }>;

/** API exposed on the control page's `window.testWallet` (and the service worker's `self.testWallet`). */
export interface WalletControl {
  getOptions(): Promise<WalletOptions>;
  /** Merges the given options into the stored ones; returns the result. */
  setOptions(options: Partial<WalletOptions>): Promise<WalletOptions>;
  /** Forgets stored options (back to build-time defaults), permissions and added chains. */
  reset(): Promise<void>;
  getLog(): Promise<WalletLogEntry[]>;
  clearLog(): Promise<void>;
  /** Origins that called eth_requestAccounts successfully. */
  getPermittedOrigins(): Promise<string[]>;
  /** The wallet's address under the current options. */
  getAddress(): Promise<string>;
}
