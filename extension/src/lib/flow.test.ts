import { describe, expect, it } from "vitest";
import {
  deserializeFlow,
  initialFlowState,
  nextActionText,
  reduceFlow,
  resumeAction,
  serializeFlow,
  stepOf,
  type FlowEvent,
  type FlowState,
  type ProviderInfo,
  type QuoteJson,
  type Step,
} from "./flow.ts";

const address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" as const;
const txReg = `0x${"a1".repeat(32)}` as const;
const txPay = `0x${"b2".repeat(32)}` as const;
const orderId = `0x${"0c".repeat(32)}` as const;
const root = `0x${"de".repeat(32)}` as const;
const sigma = `0x${"11".repeat(65)}` as const;

const info: ProviderInfo = {
  version: "0.1.0",
  chainId: 31337,
  contract: { address: "0x5FbDB2315678afecb367f032d93F642f64180aa3", deployBlock: 1 },
  owner: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
  signer: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
  pricing: {
    weiPerMiBDay: "1000000000",
    minPrice: "1000",
    fineMultiplier: 3,
    quoteTtlSeconds: 600,
    minStorageDays: 1,
    maxStorageDays: 365,
    maxFileSize: 1 << 30,
  },
  params: { settleDelay: "120", responseWindow: "60", challengeCooldown: "30", challengeBond: "1000000000000000" },
  registration: { policy: "open" },
  ownershipChallenges: 4,
};

const quote: QuoteJson = {
  orderId,
  client: address,
  fileRoot: root,
  size: "5000",
  price: "1000000000000000",
  fine: "3000000000000000",
  storageUntil: "2000000000",
  expiresAt: "1900000000",
};

/** The happy path, one event per step, each labelled with the step it leads to. */
const happyPath: [FlowEvent, Step][] = [
  [{ type: "providerConnected", url: "http://127.0.0.1:8788", origin: "http://127.0.0.1:8788", info, at: 1 }, "signIn"],
  [{ type: "signedIn", token: "t", address, expiresAt: 2_000_000_000_000 }, "register"],
  [{ type: "registrationRequested", address, txHash: txReg, alreadyRegistered: false }, "registering"],
  [{ type: "registrationChecked", txHash: txReg, blockNumber: 5, eventSeen: true, isRegistered: true, at: 2 }, "chooseFile"],
  [
    {
      type: "fileCommitted",
      file: { name: "a.bin", size: 5000, lastModified: 3, mimeType: "", fileRoot: root, chunks: 5 },
      storageDays: 30,
    },
    "quote",
  ],
  [{ type: "quoted", quote, signature: sigma, deduplicated: false, ownershipIndices: null, signer: info.signer, at: 4 }, "pay"],
  [
    {
      type: "balanceChecked",
      balance: {
        balance: "10000000000000000000",
        price: quote.price,
        gasEstimate: "120000",
        maxFeePerGas: "2000000000",
        gasCost: "240000000000000",
        required: "1240000000000000",
        shortfall: "0",
        sufficient: true,
        gasFallback: false,
        checkedAt: 5,
      },
    },
    "pay",
  ],
  [{ type: "paymentSent", txHash: txPay, at: 6 }, "confirming"],
  [{ type: "paymentMined", blockNumber: 9, success: true }, "confirming"],
  [{ type: "providerPaymentStatus", confirmations: 2, requiredConfirmations: 2, confirmed: true }, "upload"],
  [{ type: "uploadStarted", total: 5000 }, "upload"],
  [{ type: "uploadProgress", sent: 2500, total: 5000 }, "upload"],
  [{ type: "receiptReceived", link: `http://127.0.0.1:8788/v1/files/${root}`, signature: sigma }, "verifyReceipt"],
  [{ type: "receiptVerified", signer: info.signer, at: 7 }, "done"],
  [{ type: "receiptSaved" }, "done"],
];

function run(events: FlowEvent[], from: FlowState = initialFlowState): FlowState {
  return events.reduce(reduceFlow, from);
}

describe("flow state machine", () => {
  it("walks the client's steps in order", () => {
    let state = initialFlowState;
    expect(stepOf(state)).toBe("connect");
    for (const [event, step] of happyPath) {
      state = reduceFlow(state, event);
      expect(stepOf(state), event.type).toBe(step);
      expect(nextActionText(state, 0)).toMatch(/\S/);
    }
  });

  describe("resumes after every step (persisted, service worker restarted)", () => {
    const final = run(happyPath.map(([e]) => e));
    happyPath.forEach(([, step], i) => {
      it(`after event ${i + 1} (${happyPath[i]![0].type} → ${step})`, () => {
        const before = run(happyPath.slice(0, i + 1).map(([e]) => e));
        const restored = deserializeFlow(serializeFlow(before));
        expect(restored).toEqual(before);
        expect(stepOf(restored)).toBe(step);
        expect(resumeAction(restored)).toEqual(resumeAction(before));
        // Continuing from the restored state ends exactly where an uninterrupted run ends.
        expect(run(happyPath.slice(i + 1).map(([e]) => e), restored)).toEqual(final);
      });
    });
  });

  it("tells the background what to pick up on its own after a restart", () => {
    const at = (n: number) => run(happyPath.slice(0, n).map(([e]) => e));
    expect(resumeAction(at(3))).toEqual({ kind: "checkRegistration", txHash: txReg });
    expect(resumeAction(at(8))).toEqual({ kind: "waitForPayment", txHash: txPay });
    expect(resumeAction(at(9))).toEqual({ kind: "pollOrder", orderId });
    expect(resumeAction(at(10))).toEqual({ kind: "none" });
    // An upload cut off by a closed page: ask the provider whether σ exists already.
    expect(resumeAction(at(12))).toEqual({ kind: "pollOrder", orderId });
    expect(resumeAction(at(13))).toEqual({ kind: "verifyReceipt", orderId });
    expect(resumeAction(at(14))).toEqual({ kind: "saveReceipt", orderId });
    expect(resumeAction(at(15))).toEqual({ kind: "none" });
  });

  it("an interrupted upload asks for the file again and keeps the paid order", () => {
    const state = run([...happyPath.slice(0, 11).map(([e]) => e), { type: "uploadInterrupted", reason: "network" }]);
    expect(stepOf(state)).toBe("upload");
    expect(state.order?.upload?.status).toBe("interrupted");
    expect(nextActionText(state, 0)).toMatch(/select the same file/i);
    const retried = reduceFlow(state, { type: "uploadStarted", total: 5000 });
    expect(retried.order?.upload).toMatchObject({ status: "uploading", attempts: 2, sent: 0 });
  });

  it("an invalid σ leads to the penalty path", () => {
    const state = run([
      ...happyPath.slice(0, 13).map(([e]) => e),
      { type: "receiptRejected", problem: "signed by the wrong key", recovered: address },
    ]);
    expect(stepOf(state)).toBe("receiptInvalid");
    expect(state.order?.receipt?.problem).toBe("signed by the wrong key");
    expect(nextActionText(state, 0)).toMatch(/dispute/);
  });

  it("a payment asked of the wallet survives a restart: looked for on chain, never asked twice", () => {
    const requested = run([...happyPath.slice(0, 7).map(([e]) => e), { type: "paymentRequested", at: 10 }]);
    expect(stepOf(requested)).toBe("pay");
    expect(requested.order?.payRequestedAt).toBe(10);
    const restored = deserializeFlow(serializeFlow(requested));
    expect(resumeAction(restored)).toEqual({ kind: "findPayment", orderId });
    expect(nextActionText(restored, 0)).toMatch(/once it is sent, Pekanu follows it on chain/);
    // Found (or answered by the wallet): the payment is followed as usual, the request is over.
    const found = reduceFlow(restored, { type: "paymentSent", txHash: txPay, at: 11 });
    expect(found.order?.payRequestedAt).toBeNull();
    expect(resumeAction(found)).toEqual({ kind: "waitForPayment", txHash: txPay });
    // Rejected in the wallet, or a new quote: nothing to look for any more.
    expect(resumeAction(reduceFlow(requested, { type: "paymentRequestEnded" }))).toEqual({ kind: "none" });
    expect(reduceFlow(requested, happyPath[5]![0]).order?.payRequestedAt).toBeNull();
    // Without a quote, or once paid, a request is ignored.
    const paid = run(happyPath.slice(0, 8).map(([e]) => e));
    expect(reduceFlow(paid, { type: "paymentRequested", at: 12 })).toBe(paid);
    // States persisted before this field existed resume as before.
    const legacy = run(happyPath.slice(0, 7).map(([e]) => e));
    delete (legacy.order as { payRequestedAt?: unknown }).payRequestedAt;
    expect(resumeAction(deserializeFlow(serializeFlow(legacy)))).toEqual({ kind: "none" });
  });

  it("a reverted payment stops waiting", () => {
    const state = run([...happyPath.slice(0, 8).map(([e]) => e), { type: "paymentMined", blockNumber: 9, success: false }]);
    expect(stepOf(state)).toBe("confirming");
    expect(resumeAction(state)).toEqual({ kind: "none" });
    expect(nextActionText(state, 0)).toMatch(/failed/);
  });

  it("an expired quote is reported and a new file is refused while a payment is open", () => {
    const quoted = run(happyPath.slice(0, 6).map(([e]) => e));
    expect(nextActionText(quoted, 1_900_000_001_000)).toMatch(/expired/);
    const paid = run(happyPath.slice(0, 8).map(([e]) => e));
    const again = reduceFlow(paid, happyPath[4]![0]);
    expect(again).toBe(paid);
  });

  it("switching accounts drops the session and an unpaid quote, never a paid order", () => {
    const quoted = run(happyPath.slice(0, 6).map(([e]) => e));
    const switched = reduceFlow(quoted, { type: "accountChanged", address: "0x0000000000000000000000000000000000000001" });
    expect(switched.session).toBeNull();
    expect(switched.order?.quote).toBeNull();
    expect(stepOf(switched)).toBe("signIn");
    const paid = run(happyPath.slice(0, 9).map(([e]) => e));
    const paidSwitched = reduceFlow(paid, { type: "accountChanged", address: null });
    expect(paidSwitched.order).toEqual(paid.order);
    expect(stepOf(paidSwitched)).toBe("confirming");
  });

  it("reconnecting to the same provider keeps progress; another provider starts over", () => {
    const registered = run(happyPath.slice(0, 4).map(([e]) => e));
    const same = reduceFlow(registered, { type: "providerConnected", url: "http://127.0.0.1:8788/", origin: "http://127.0.0.1:8788", info, at: 9 });
    expect(stepOf(same)).toBe("chooseFile");
    const other = reduceFlow(registered, { type: "providerConnected", url: "http://other", origin: "http://other", info, at: 9 });
    expect(stepOf(other)).toBe("signIn");
  });

  it("a corrupt or foreign persisted state starts over instead of crashing", () => {
    expect(deserializeFlow("{not json")).toEqual(initialFlowState);
    expect(deserializeFlow(JSON.stringify({ version: 99 }))).toEqual(initialFlowState);
    expect(deserializeFlow(null)).toEqual(initialFlowState);
  });
});
