import "fake-indexeddb/auto";
import { fileRootOf, inclusionProof } from "@pekanu/protocol/merkle";
import { describe, expect, it, vi } from "vitest";
import type { Hex } from "viem";
import { bytesToBase64 } from "../../lib/commitment.ts";
import { openVault } from "../../lib/vault/db.ts";
import { client, contract, makeRecord, providerSigner } from "../../test-support/fixtures.ts";
import { fakeProvider, harness } from "../../test-support/background.ts";
import { registerVaultDb } from "../services/vaultDb.ts";
import { memoryStore } from "../store.ts";
import { createBackgroundMessenger } from "../types.ts";
import { PENDING_KEY, VaultController, type VaultControllerDeps } from "./vault.ts";

const TX = `0x${"cd".repeat(32)}` as Hex;
const BOND = 6_700_000_000_000_000n;

/** The vault controller over a real IndexedDB vault (fake-indexeddb) and a fake chain. */
async function setup({ fetch, store = memoryStore() }: { fetch?: typeof globalThis.fetch; store?: ReturnType<typeof memoryStore> } = {}) {
  const h = harness(fetch ? { fetch } : {});
  // The harness fakes the vault database; this test uses the real one.
  const messenger = createBackgroundMessenger();
  for (const name of ["session:get", "session:requireChain", "session:requireAccount", "session:tokenFor", "session:provider"] as const) {
    messenger.registerAction(name, ((...args: never[]) => (h.messenger.call as (n: string, ...a: never[]) => unknown)(name, ...args)) as never);
  }
  const name = `vault-controller-${Math.random()}`;
  registerVaultDb({ messenger, open: () => openVault({ name }) });
  messenger.registerAction("credits:read", async () => null);
  messenger.registerAction("orders:isFollowingPayment", () => false);
  let mined!: () => void;
  const minedGate = new Promise<void>((r) => (mined = r));
  const chain = {
    signer: vi.fn(async () => providerSigner.address),
    signerRetiredAt: vi.fn(async () => 0n),
    orderOf: vi.fn(async () => ({ state: 1, settled: false, paidAt: 10 })),
    pendingOf: vi.fn(async () => ({ deadline: 0, lastChallengeAt: 0, chunkIndex: 0 })),
    params: vi.fn(async () => ({ settleDelay: 60n, responseWindow: 60n, challengeCooldown: 60n, challengeBond: BOND })),
    latestBlockTime: vi.fn(async () => 1_000),
    isDelivered: vi.fn(async () => false),
    bondSplit: vi.fn(async () => ({ toProvider: 1n, toClient: BOND - 1n })),
    send: vi.fn(async () => TX),
    waitForReceipt: vi.fn(async () => {
      await minedGate;
      return { status: "success", blockNumber: 42n };
    }),
  };
  const deps: VaultControllerDeps = { messenger, store, chain: chain as never, walletChainId: async () => 31337, ...(fetch ? { fetch } : {}) };
  const vault = new VaultController(deps);
  return { h, messenger, vault, chain, store, mined, db: () => messenger.call("vaultdb:open") };
}

describe("vault controller", () => {
  it("files a storage challenge with the bond in wei, follows it to its receipt, and keeps following after a restart", async () => {
    const { vault, chain, store, db, mined, messenger } = await setup();
    const record = await makeRecord(1);
    await (await db()).save(record);
    const heard: number[] = [];
    messenger.subscribe("vault:changed", (s) => heard.push(s.version));
    const updated = await vault.penalty(record.key, "challengeStorage");
    expect(chain.send).toHaveBeenCalledWith({ contract, from: client, functionName: "challengeStorage", args: [expect.objectContaining({ orderId: record.orderId }), record.link, record.signature, [expect.any(BigInt)]], value: BOND });
    expect(updated.actions).toEqual([expect.objectContaining({ kind: "challengeStorage", txHash: TX, status: "pending", value: BOND.toString() })]);
    expect(await store.get(PENDING_KEY)).toEqual([{ key: record.key, txHash: TX, chainId: 31337, kind: "action" }]);
    // A restarted worker (new controller, same storage) resumes following it: one follower only.
    const restarted = new VaultController({ messenger: createBackgroundMessenger(), store, chain: chain as never, walletChainId: async () => 31337 });
    expect(await restarted.pending()).toHaveLength(1);
    mined();
    await vi.waitFor(async () => expect((await (await db()).get(record.key))!.actions[0]).toMatchObject({ status: "confirmed", blockNumber: 42 }));
    await vi.waitFor(async () => expect(await store.get(PENDING_KEY)).toEqual([]));
    expect(heard.length).toBeGreaterThan(1);
  });

  it("refuses a challenge without a receipt and on the wrong account, sending nothing", async () => {
    const { vault, chain, db, h } = await setup();
    const noSigma = await makeRecord(2, { withSigma: false });
    await (await db()).save(noSigma);
    await expect(vault.penalty(noSigma.key, "challengeStorage")).rejects.toMatchObject({ human: { code: "NoReceipt" } });
    h.account.value = "0x000000000000000000000000000000000000dEaD";
    await expect(vault.penalty(noSigma.key, "disputeDelivery")).rejects.toMatchObject({ human: { code: "WrongAccount" } });
    expect(chain.send).not.toHaveBeenCalled();
    expect((await (await db()).get(noSigma.key))!.actions).toEqual([]);
  });

  it("once σ is on chain: refuses a dispute that would revert, and challenges without σ", async () => {
    const { vault, chain, db } = await setup();
    chain.isDelivered.mockResolvedValue(true);
    const noSigma = await makeRecord(3, { withSigma: false });
    await (await db()).save(noSigma);
    await expect(vault.penalty(noSigma.key, "disputeDelivery")).rejects.toMatchObject({ human: { code: "AlreadyDelivered" } });
    expect(chain.send).not.toHaveBeenCalled();
    await vault.penalty(noSigma.key, "challengeStorage");
    expect(chain.send).toHaveBeenCalledTimes(1);
    const call = (chain.send.mock.calls[0] as unknown as [{ functionName: string; args: readonly unknown[]; value: bigint }])[0];
    expect(call.functionName).toBe("challengeStorage");
    expect(call.args.slice(1, 3)).toEqual(["", "0x"]);
    expect(call.value).toBe(BOND);
  });

  it("re-verifies σ against the contract's signer, and audits a chunk against the committed root", async () => {
    const bytes = new Uint8Array(3000).map((_, i) => i % 251);
    const root = fileRootOf(bytes) as Hex;
    const chunks = [bytes.slice(0, 1024), bytes.slice(1024, 2048), bytes.slice(2048)];
    let tamper = false;
    const fetch = fakeProvider({
      [`GET /v1/files/${root}/audit`]: () => {
        const index = 0;
        const chunk = tamper ? new Uint8Array(1024) : chunks[index]!;
        return [200, { fileRoot: root, size: "3000", index, chunk: bytesToBase64(chunk), proof: inclusionProof({ chunks, index }) }];
      },
    });
    const { vault, db } = await setup({ fetch });
    const record = { ...(await makeRecord(3)), fileRoot: root, size: 3000, link: `http://127.0.0.1:8788/v1/files/${root}` };
    await (await db()).save(record);
    const random = vi.spyOn(Math, "random").mockReturnValue(0);
    try {
      expect(await vault.audit(record.key)).toEqual({ ok: true, index: 0 });
      tamper = true;
      expect(await vault.audit(record.key)).toMatchObject({ ok: false, index: 0, problem: expect.stringContaining("does not match") });
    } finally {
      random.mockRestore();
    }
    expect((await (await db()).get(record.key))!.audits.map((a) => a.ok)).toEqual([true, false]);
    // The stored σ is the signer's (makeRecord signs quote and receipt with the provider's key).
    const reverified = await vault.reverify((await makeRecord(4).then(async (r) => ((await (await db()).save(r)), r))).key);
    expect(reverified.verification).toMatchObject({ status: "verified", by: "chain" });
  });
});
