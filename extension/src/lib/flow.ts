// The client's steps (PROTOCOL.md "The client's steps", seed steps 4–13) as a pure state machine.
// The background service worker owns one FlowState, feeds it events, persists it after every event
// (chrome.storage.local) and, after a restart, asks `resumeAction` what to pick up again. Nothing
// here touches the network, the wallet or chrome.*: everything is plain JSON (wei as decimal
// strings), so a state survives a JSON round trip unchanged, which the tests check after every step.
import type { HumanError } from "./errors.ts";

export type Hex = `0x${string}`;
export type Address = `0x${string}`;

/** /v1/info as we keep it (already validated with protocol's `infoResponse`). */
export type ProviderInfo = {
  version: string;
  chainId: number;
  contract: { address: Address; deployBlock: number };
  owner: Address;
  signer: Address;
  pricing: {
    weiPerMiBDay: string;
    minPrice: string;
    fineMultiplier: number;
    quoteTtlSeconds: number;
    minStorageDays: number;
    maxStorageDays: number;
    maxFileSize: number;
  };
  params: { settleDelay: string; responseWindow: string; challengeCooldown: string; challengeBond: string };
  registration: { policy: "open" | "allowlist" | "invite" };
  ownershipChallenges: number;
};

/** A quote in its JSON form (uint fields as decimal strings), as the provider sent it. */
export type QuoteJson = {
  orderId: Hex;
  client: Address;
  fileRoot: Hex;
  size: string;
  price: string;
  fine: string;
  storageUntil: string;
  expiresAt: string;
};

export type FileMeta = {
  name: string;
  /** Bytes stored: the ciphertext's for an encrypted file (what the quote and σ name). */
  size: number;
  lastModified: number;
  mimeType: string;
  /** The root of what is stored: the ciphertext's for an encrypted file. */
  fileRoot: Hex;
  chunks: number;
  /**
   * How the file is encrypted before it leaves the browser (docs/encryption.md); null or absent:
   * stored as it is (compute inputs, orders of earlier versions). The key stays in the extension:
   * this order's state and the vault record, never sent to a provider.
   */
  encryption?: FileMetaEncryption | null;
};

export type FileMetaEncryption = {
  mode: "private" | "convergent";
  /** The 32-byte file key, hex. */
  key: Hex;
  /** The ciphertext's 100-byte header, hex (its salt lets the same File be encrypted again to the same bytes). */
  header: Hex;
  plaintextSize: number;
  /** Plaintext bytes per encryption segment. */
  segmentSize: number;
};

export type ProviderState = { url: string; origin: string; info: ProviderInfo; connectedAt: number };
export type SessionState = { token: string; address: Address; expiresAt: number };
export type RegistrationState = {
  status: "requested" | "confirmed" | "failed";
  address: Address;
  txHash: Hex | null;
  alreadyRegistered: boolean;
  blockNumber: number | null;
  /** The ClientRegistered(address) event was found in the tx receipt (or the logs, for an earlier registration). */
  eventSeen: boolean;
  /** isRegistered(address) read from the contract. */
  isRegistered: boolean;
  checkedAt: number | null;
  failure: string | null;
};

export type QuoteState = {
  quote: QuoteJson;
  signature: Hex;
  deduplicated: boolean;
  ownershipIndices: number[] | null;
  /** contract.signer() the quote signature was verified against. */
  signer: Address;
  receivedAt: number;
};

export type BalanceState = {
  balance: string;
  price: string;
  gasEstimate: string;
  maxFeePerGas: string;
  gasCost: string;
  required: string;
  shortfall: string;
  sufficient: boolean;
  /** The gas figure is a fallback (estimation failed, e.g. because the balance cannot cover the price). */
  gasFallback: boolean;
  checkedAt: number;
};

export type PaymentState = {
  txHash: Hex;
  sentAt: number;
  status: "pending" | "mined" | "reverted";
  blockNumber: number | null;
  /** Provider's view (GET /v1/orders/{id}), seed steps 10–11. */
  confirmations: number;
  requiredConfirmations: number | null;
  providerConfirmed: boolean;
};

export type UploadState = {
  status: "idle" | "uploading" | "interrupted" | "done";
  mode: "upload" | "ownershipProof";
  sent: number;
  total: number;
  attempts: number;
  lastError: string | null;
};

export type ReceiptState = {
  link: string;
  signature: Hex;
  /** The signer σ recovered to and that the contract names (current, or retired after this order was paid). */
  signer: Address | null;
  status: "received" | "verified" | "invalid";
  /** Why σ was refused (wrong key, malformed…): the penalty path is offered. */
  problem: string | null;
  recovered: Address | null;
  verifiedAt: number | null;
  savedToVault: boolean;
};

export type OrderFlow = {
  file: FileMeta;
  storageDays: number;
  quote: QuoteState | null;
  balance: BalanceState | null;
  /**
   * When the wallet was asked to send the payment and has not answered yet (ms). If the service
   * worker is stopped meanwhile, the wallet may still send it: the restarted worker looks for it
   * on chain (`resumeAction` → findPayment) instead of letting the person pay again. Absent in
   * states persisted by earlier versions.
   */
  payRequestedAt?: number | null;
  payment: PaymentState | null;
  upload: UploadState | null;
  receipt: ReceiptState | null;
};

export type FlowState = {
  version: 1;
  provider: ProviderState | null;
  session: SessionState | null;
  registration: RegistrationState | null;
  order: OrderFlow | null;
  /** The last failure, in words a person understands; cleared by the next successful step. */
  error: HumanError | null;
  updatedAt: number;
};

export const initialFlowState: FlowState = {
  version: 1,
  provider: null,
  session: null,
  registration: null,
  order: null,
  error: null,
  updatedAt: 0,
};

export type FlowEvent =
  | { type: "providerConnected"; url: string; origin: string; info: ProviderInfo; at: number }
  | { type: "providerForgotten" }
  | { type: "signedIn"; token: string; address: Address; expiresAt: number }
  | { type: "signedOut" }
  | { type: "accountChanged"; address: Address | null }
  | { type: "registrationRequested"; address: Address; txHash: Hex | null; alreadyRegistered: boolean }
  | {
      type: "registrationChecked";
      txHash: Hex | null;
      blockNumber: number | null;
      eventSeen: boolean;
      isRegistered: boolean;
      at: number;
    }
  | { type: "registrationFailed"; reason: string; at: number }
  | { type: "fileCommitted"; file: FileMeta; storageDays: number }
  | { type: "storageDaysChanged"; storageDays: number }
  | {
      type: "quoted";
      quote: QuoteJson;
      signature: Hex;
      deduplicated: boolean;
      ownershipIndices: number[] | null;
      signer: Address;
      at: number;
    }
  | { type: "quoteDiscarded" }
  | { type: "balanceChecked"; balance: BalanceState }
  | { type: "paymentRequested"; at: number }
  | { type: "paymentRequestEnded" }
  | { type: "paymentSent"; txHash: Hex; at: number }
  | { type: "paymentMined"; blockNumber: number; success: boolean }
  | {
      type: "providerPaymentStatus";
      confirmations: number;
      requiredConfirmations: number | null;
      confirmed: boolean;
    }
  | { type: "uploadStarted"; total: number }
  | { type: "uploadProgress"; sent: number; total: number }
  | { type: "uploadInterrupted"; reason: string }
  | { type: "receiptReceived"; link: string; signature: Hex }
  | { type: "receiptVerified"; signer: Address; at: number }
  | { type: "receiptRejected"; problem: string; recovered: Address | null }
  | { type: "receiptSaved" }
  | { type: "orderCleared" }
  | { type: "failed"; error: HumanError }
  | { type: "errorDismissed" };

/** Where the person is in the client's steps. */
export type Step =
  | "connect" // seed step 4: no provider yet
  | "signIn" // SIWE
  | "register" // seed steps 2–3: ask the provider to register this address
  | "registering" // seed step 7: waiting for / checking the registration tx
  | "chooseFile" // seed step 5: pick a file, compute its commitment
  | "quote" // seed steps 5–6: ask for a signed quote
  | "pay" // seed steps 8–9: balance check, then pay
  | "confirming" // seed steps 10–11: tx mined, provider confirms
  | "upload" // seed step 12: upload or ownership proof
  | "verifyReceipt" // seed step 13: σ arrived, being checked
  | "done" // σ verified and kept
  | "receiptInvalid"; // σ refused: penalty path

export function stepOf(state: FlowState): Step {
  if (!state.provider) return "connect";
  const order = state.order;
  // A paid order goes on whatever happens to the session: its steps need no new sign-in until upload.
  if (order?.payment) {
    const { payment, receipt } = order;
    if (receipt?.status === "invalid") return "receiptInvalid";
    if (receipt?.status === "verified") return "done";
    if (receipt?.status === "received") return "verifyReceipt";
    if (payment.status !== "mined" || !payment.providerConfirmed) return "confirming";
    return "upload";
  }
  if (!state.session) return "signIn";
  const reg = state.registration;
  if (!reg || reg.address.toLowerCase() !== state.session.address.toLowerCase() || reg.status === "failed") {
    return "register";
  }
  if (reg.status !== "confirmed" || !reg.isRegistered) return "registering";
  if (!order) return "chooseFile";
  if (!order.quote) return "quote";
  return "pay";
}

/** Work the background resumes on its own after a restart (no person needed). */
export type ResumeAction =
  | { kind: "none" }
  | { kind: "checkRegistration"; txHash: Hex | null }
  | { kind: "findPayment"; orderId: Hex }
  | { kind: "waitForPayment"; txHash: Hex }
  | { kind: "pollOrder"; orderId: Hex }
  | { kind: "verifyReceipt"; orderId: Hex }
  | { kind: "saveReceipt"; orderId: Hex };

export function resumeAction(state: FlowState): ResumeAction {
  const step = stepOf(state);
  const order = state.order;
  switch (step) {
    case "registering":
      return { kind: "checkRegistration", txHash: state.registration?.txHash ?? null };
    case "pay":
      // The wallet was asked to pay and the worker that asked is gone: the payment may be on chain.
      return order!.payRequestedAt ? { kind: "findPayment", orderId: order!.quote!.quote.orderId } : { kind: "none" };
    case "confirming": {
      const payment = order!.payment!;
      if (payment.status === "pending") return { kind: "waitForPayment", txHash: payment.txHash };
      if (payment.status === "reverted") return { kind: "none" };
      return { kind: "pollOrder", orderId: order!.quote!.quote.orderId };
    }
    case "upload":
      // An upload interrupted by a closed page may still have reached the provider: ask it for σ.
      return order!.upload?.status === "uploading" || order!.upload?.status === "interrupted"
        ? { kind: "pollOrder", orderId: order!.quote!.quote.orderId }
        : { kind: "none" };
    case "verifyReceipt":
      return { kind: "verifyReceipt", orderId: order!.quote!.quote.orderId };
    case "done":
      return order!.receipt!.savedToVault ? { kind: "none" } : { kind: "saveReceipt", orderId: order!.quote!.quote.orderId };
    default:
      return { kind: "none" };
  }
}

/** What the person is asked to do next, in a sentence (popup and full page). */
export function nextActionText(state: FlowState, now: number): string {
  const step = stepOf(state);
  const order = state.order;
  switch (step) {
    case "connect":
      return "Connect a storage provider by its URL.";
    case "signIn":
      return "Sign in to the provider with your wallet (a free signature, no transaction).";
    case "register":
      return "Ask the provider to register your address on its contract.";
    case "registering":
      return state.registration?.txHash
        ? "Checking the registration transaction on chain…"
        : "Waiting for the provider to register your address…";
    case "chooseFile":
      return "Choose a file to store.";
    case "quote":
      return "Ask the provider for a signed price quote.";
    case "pay": {
      const quote = order!.quote!;
      if (Number(quote.quote.expiresAt) * 1000 <= now) return "The quote expired: ask for a new one.";
      if (order!.payRequestedAt) return "Waiting for you to confirm the payment in your wallet; once it is sent, Pekanu follows it on chain.";
      if (order!.balance && !order!.balance.sufficient) return "Your balance is too low for this payment: add funds, then check again.";
      return order!.balance ? "Pay the quoted price from your wallet." : "Check your balance, then pay.";
    }
    case "confirming":
      if (order!.payment!.status === "reverted") return "The payment transaction failed on chain: nothing was paid.";
      return order!.payment!.status === "pending"
        ? "Waiting for the payment transaction to be mined…"
        : "Waiting for the provider to confirm your payment…";
    case "upload":
      if (order!.quote!.deduplicated) return "The provider already stores this file: prove that you have it (no upload needed).";
      return order!.upload?.status === "interrupted"
        ? "The upload was interrupted: select the same file again to retry."
        : "Upload the file.";
    case "verifyReceipt":
      return "Checking the provider's signed receipt σ…";
    case "done":
      return "Stored. The signed receipt is in your vault.";
    case "receiptInvalid":
      return "The provider's receipt is not valid: you can dispute the delivery on chain.";
  }
}

function withOrder(state: FlowState, patch: Partial<OrderFlow>): FlowState {
  if (!state.order) return state;
  return { ...state, order: { ...state.order, ...patch } };
}

/** The flow reducer: pure; unknown or out-of-order events leave the state unchanged. */
export function reduceFlow(state: FlowState, event: FlowEvent): FlowState {
  const next = reduce(state, event);
  return next === state ? state : next;
}

function reduce(state: FlowState, event: FlowEvent): FlowState {
  switch (event.type) {
    case "providerConnected": {
      const same =
        state.provider?.origin === event.origin &&
        state.provider.info.contract.address.toLowerCase() === event.info.contract.address.toLowerCase() &&
        state.provider.info.chainId === event.info.chainId;
      const provider = { url: event.url, origin: event.origin, info: event.info, connectedAt: event.at };
      // Reconnecting to the same provider and contract keeps the session, registration and order.
      return same
        ? { ...state, provider, error: null }
        : { ...initialFlowState, provider, updatedAt: state.updatedAt };
    }
    case "providerForgotten":
      // A paid order is never silently lost: it lives on in the vault (saved when paid).
      return { ...initialFlowState, updatedAt: state.updatedAt };
    case "signedIn":
      if (!state.provider) return state;
      return { ...state, session: { token: event.token, address: event.address, expiresAt: event.expiresAt }, error: null };
    case "signedOut":
      return { ...state, session: null };
    case "accountChanged": {
      if (!state.session) return state;
      if (event.address && event.address.toLowerCase() === state.session.address.toLowerCase()) return state;
      // Another account: its session, registration and unpaid quote are not ours any more.
      const order = state.order && !state.order.payment ? { ...state.order, quote: null, balance: null, payRequestedAt: null } : state.order;
      return { ...state, session: null, order };
    }
    case "registrationRequested":
      if (!state.session) return state;
      return {
        ...state,
        registration: {
          status: "requested",
          address: event.address,
          txHash: event.txHash,
          alreadyRegistered: event.alreadyRegistered,
          blockNumber: null,
          eventSeen: false,
          isRegistered: false,
          checkedAt: null,
          failure: null,
        },
        error: null,
      };
    case "registrationChecked": {
      const reg = state.registration;
      if (!reg) return state;
      return {
        ...state,
        registration: {
          ...reg,
          status: event.isRegistered ? "confirmed" : "requested",
          txHash: event.txHash ?? reg.txHash,
          blockNumber: event.blockNumber,
          eventSeen: event.eventSeen,
          isRegistered: event.isRegistered,
          checkedAt: event.at,
        },
        error: event.isRegistered ? null : state.error,
      };
    }
    case "registrationFailed": {
      const reg = state.registration;
      if (!reg) return state;
      return { ...state, registration: { ...reg, status: "failed", failure: event.reason, checkedAt: event.at } };
    }
    case "fileCommitted":
      if (state.order?.payment) return state; // a paid order is finished first (or cleared explicitly)
      return {
        ...state,
        order: {
          file: event.file,
          storageDays: event.storageDays,
          quote: null,
          balance: null,
          payment: null,
          upload: null,
          receipt: null,
        },
        error: null,
      };
    case "storageDaysChanged":
      if (!state.order || state.order.payment) return state;
      return withOrder(state, { storageDays: event.storageDays, quote: null, balance: null, payRequestedAt: null });
    case "quoted":
      if (!state.order || state.order.payment) return state;
      return {
        ...withOrder(state, {
          quote: {
            quote: event.quote,
            signature: event.signature,
            deduplicated: event.deduplicated,
            ownershipIndices: event.ownershipIndices,
            signer: event.signer,
            receivedAt: event.at,
          },
          balance: null,
          payRequestedAt: null,
        }),
        error: null,
      };
    case "quoteDiscarded":
      if (!state.order || state.order.payment) return state;
      return withOrder(state, { quote: null, balance: null, payRequestedAt: null });
    case "balanceChecked":
      if (!state.order?.quote || state.order.payment) return state;
      return withOrder(state, { balance: event.balance });
    case "paymentRequested":
      if (!state.order?.quote || state.order.payment) return state;
      return withOrder(state, { payRequestedAt: event.at });
    case "paymentRequestEnded":
      if (!state.order?.payRequestedAt) return state;
      return withOrder(state, { payRequestedAt: null });
    case "paymentSent":
      if (!state.order?.quote || state.order.payment) return state;
      return {
        ...withOrder(state, {
          payRequestedAt: null,
          payment: {
            txHash: event.txHash,
            sentAt: event.at,
            status: "pending",
            blockNumber: null,
            confirmations: 0,
            requiredConfirmations: null,
            providerConfirmed: false,
          },
        }),
        error: null,
      };
    case "paymentMined": {
      const payment = state.order?.payment;
      if (!payment) return state;
      return withOrder(state, {
        payment: { ...payment, status: event.success ? "mined" : "reverted", blockNumber: event.blockNumber },
      });
    }
    case "providerPaymentStatus": {
      const payment = state.order?.payment;
      if (!payment || payment.status === "reverted") return state;
      return withOrder(state, {
        payment: {
          ...payment,
          confirmations: Math.max(payment.confirmations, event.confirmations),
          requiredConfirmations: event.requiredConfirmations,
          providerConfirmed: payment.providerConfirmed || event.confirmed,
        },
      });
    }
    case "uploadStarted": {
      const order = state.order;
      if (!order?.payment || order.receipt) return state;
      return {
        ...withOrder(state, {
          upload: {
            status: "uploading",
            mode: order.quote?.deduplicated ? "ownershipProof" : "upload",
            sent: 0,
            total: event.total,
            attempts: (order.upload?.attempts ?? 0) + 1,
            lastError: null,
          },
        }),
        error: null,
      };
    }
    case "uploadProgress": {
      const upload = state.order?.upload;
      if (!upload || upload.status !== "uploading") return state;
      return withOrder(state, { upload: { ...upload, sent: event.sent, total: event.total } });
    }
    case "uploadInterrupted": {
      const upload = state.order?.upload;
      if (!upload || upload.status === "done") return state;
      return withOrder(state, { upload: { ...upload, status: "interrupted", lastError: event.reason } });
    }
    case "receiptReceived": {
      const order = state.order;
      if (!order?.payment) return state;
      if (order.receipt?.status === "verified") return state;
      return withOrder(state, {
        upload: order.upload ? { ...order.upload, status: "done", sent: order.upload.total } : order.upload,
        receipt: {
          link: event.link,
          signature: event.signature,
          signer: null,
          status: "received",
          problem: null,
          recovered: null,
          verifiedAt: null,
          savedToVault: false,
        },
      });
    }
    case "receiptVerified": {
      const receipt = state.order?.receipt;
      if (!receipt || receipt.status !== "received") return state;
      return {
        ...withOrder(state, { receipt: { ...receipt, status: "verified", signer: event.signer, verifiedAt: event.at } }),
        error: null,
      };
    }
    case "receiptRejected": {
      const receipt = state.order?.receipt;
      if (!receipt || receipt.status !== "received") return state;
      return withOrder(state, {
        receipt: { ...receipt, status: "invalid", problem: event.problem, recovered: event.recovered },
      });
    }
    case "receiptSaved": {
      const receipt = state.order?.receipt;
      if (!receipt || receipt.status !== "verified") return state;
      return withOrder(state, { receipt: { ...receipt, savedToVault: true } });
    }
    case "orderCleared":
      return { ...state, order: null, error: null };
    case "failed":
      return { ...state, error: event.error };
    case "errorDismissed":
      return state.error ? { ...state, error: null } : state;
  }
}

/** Persisted form: JSON. Rejects anything that is not a FlowState of a version we understand. */
export function serializeFlow(state: FlowState): string {
  return JSON.stringify(state);
}

export function deserializeFlow(json: string | null | undefined): FlowState {
  if (!json) return initialFlowState;
  try {
    const value = JSON.parse(json) as Partial<FlowState>;
    if (value && value.version === 1 && "provider" in value && "order" in value) {
      return { ...initialFlowState, ...value } as FlowState;
    }
  } catch {
    // fall through: a corrupt state starts over (paid orders are in the vault)
  }
  return initialFlowState;
}
