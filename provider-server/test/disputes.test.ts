// The provider answers on chain by itself: a delivery dispute with σ (content stored) or a refund
// (content never arrived), a storage challenge with the drawn chunk and its proof. Tasks survive a
// restart; a lost blob cannot be proven and the client collects the penalty.
import { type QuoteResponse, orderStateName, serverContractAbi } from "@pekanu/protocol";
import type { Hex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type HardhatNode,
  type TestProvider,
  chainClients,
  chainControl,
  contractReader,
  payQuote,
  signIn,
  startHardhatNode,
  startProvider,
  testAccount,
  testFile,
  testKey,
  waitFor,
} from "./support/index.ts";
import { loseBlob } from "./support/stateBackend.ts";

let node: HardhatNode;
let provider: TestProvider;
const alice = testAccount(1);
let clients: ReturnType<typeof chainClients>;

beforeAll(async () => {
  node = await startHardhatNode();
  provider = await startProvider({ rpcUrl: node.rpcUrl });
  clients = chainClients({ rpcUrl: node.rpcUrl, key: testKey(1) });
  const client = await signIn({ baseUrl: provider.baseUrl, account: alice });
  await client.register();
});

afterAll(async () => {
  await provider?.stop();
  await node?.stop();
});

async function paidOrder({ upload, size = 5000 }: { upload: boolean; size?: number }) {
  const client = await signIn({ baseUrl: provider.baseUrl, account: alice });
  const file = testFile(size);
  const quote = await client.quote({ fileRoot: file.root, size: file.size, storageDays: 2 });
  await payQuote({ clients, contract: provider.contract, quote });
  const receipt = upload ? await client.upload(quote.quote.orderId, file.bytes) : undefined;
  return { quote, file, receipt };
}

const stateOf = async (orderId: Hex) =>
  orderStateName((await contractReader({ rpcUrl: node.rpcUrl, address: provider.contract }).orderOf(orderId))[0]);

async function send(functionName: "disputeDelivery" | "claimPenalty", quote: QuoteResponse) {
  const hash = await clients.walletClient.writeContract({ address: provider.contract, abi: serverContractAbi, functionName, args: [quote.quote] });
  return clients.publicClient.waitForTransactionReceipt({ hash });
}

async function challenge(quote: QuoteResponse, receipt: { link: string; signature: Hex }, chunkIndices: readonly bigint[] = [0n]) {
  const reader = contractReader({ rpcUrl: node.rpcUrl, address: provider.contract });
  const { challengeBond } = await reader.params();
  const hash = await clients.walletClient.writeContract({
    address: provider.contract,
    abi: serverContractAbi,
    functionName: "challengeStorage",
    args: [quote.quote, receipt.link, receipt.signature, chunkIndices],
    value: challengeBond * BigInt(chunkIndices.length),
  });
  return clients.publicClient.waitForTransactionReceipt({ hash });
}

const eventNames = async (orderId: Hex) => (await provider.server.context.store.chainEvents.forOrder(orderId)).map((e) => e.name);

describe("automatic answers", () => {
  it("a delivery dispute for a stored order is answered with publishReceipt(σ, L)", async () => {
    const { quote, receipt } = await paidOrder({ upload: true });
    const orderId = quote.quote.orderId;
    await send("disputeDelivery", quote);
    expect(await stateOf(orderId)).toBe("DeliveryDisputed");
    await waitFor(async () => (await stateOf(orderId)) === "Paid", { what: "receipt published" });
    await waitFor(async () => (await eventNames(orderId)).includes("ReceiptPublished"), { what: "ReceiptPublished applied" });
    const published = (await provider.server.context.store.chainEvents.forOrder(orderId)).find((e) => e.name === "ReceiptPublished")!;
    expect(published.args.link).toBe(receipt!.link);
    // The task learns of the receipt from the transaction tracker, independently of the follower.
    await waitFor(async () => (await provider.server.context.store.tasks.forOrder(orderId))[0]?.status === "done", { what: "task done" });
    const tasks = await provider.server.context.store.tasks.forOrder(orderId);
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({ kind: "answerDeliveryDispute", status: "done" });
    expect(tasks[0]!.txHash).toBe(published.txHash);
  });

  it("a delivery dispute for content that never arrived is answered with a refund — also across a restart", async () => {
    const { quote } = await paidOrder({ upload: false });
    const orderId = quote.quote.orderId;
    const dataDir = provider.dataDir;
    // Down while the client disputes: the restarted server finds the event and answers it.
    await provider.stop({ keepData: true });
    await send("disputeDelivery", quote);
    provider = await startProvider({ rpcUrl: node.rpcUrl, dataDir });
    await waitFor(async () => (await stateOf(orderId)) === "Refunded", { what: "refund" });
    const credit = await clients.publicClient.readContract({
      address: provider.contract,
      abi: serverContractAbi,
      functionName: "withdrawable",
      args: [alice.address],
    });
    expect(credit).toBe(quote.quote.price);
    await waitFor(async () => (await provider.server.context.store.tasks.forOrder(orderId))[0]?.status === "done", { what: "task done" });
    // Nothing is sent twice: more syncs leave the owner's nonce alone.
    const owner = testAccount(0).address;
    const nonce = await clients.publicClient.getTransactionCount({ address: owner });
    await provider.server.sync();
    await provider.server.sync();
    expect(await clients.publicClient.getTransactionCount({ address: owner })).toBe(nonce);
    // The client sees the outcome.
    const client = await signIn({ baseUrl: provider.baseUrl, account: alice });
    expect((await client.order(orderId)).chainState).toBe("Refunded");
  });

  it("a storage challenge is answered with the named chunks and valid proofs: the order is Paid again", async () => {
    const { quote, receipt } = await paidOrder({ upload: true, size: 50_000 });
    const orderId = quote.quote.orderId;
    // Contract v2: the client names the chunks (here a middle one and the short last one).
    const mined = await challenge(quote, receipt!, [7n, 48n]);
    expect(mined.status).toBe("success");
    await waitFor(async () => (await stateOf(orderId)) === "Paid", { what: "challenge answered" });
    await waitFor(async () => (await eventNames(orderId)).includes("StorageProven"), { what: "StorageProven applied" });
    const challenged = (await provider.server.context.store.chainEvents.forOrder(orderId)).find((e) => e.name === "StorageChallenged")!;
    const proven = (await provider.server.context.store.chainEvents.forOrder(orderId)).find((e) => e.name === "StorageProven")!;
    expect((challenged.args.chunkIndices as unknown[]).map(String)).toEqual(["7", "48"]);
    expect(proven.args.chunkIndices).toEqual(challenged.args.chunkIndices);
    await waitFor(async () => (await provider.server.context.store.tasks.forOrder(orderId))[0]?.status === "done", { what: "task done" });
    expect((await provider.server.context.store.tasks.forOrder(orderId))[0]).toMatchObject({ kind: "answerStorageChallenge", status: "done" });
    const [deadline] = await contractReader({ rpcUrl: node.rpcUrl, address: provider.contract }).pendingOf(orderId);
    expect(deadline).toBe(0n);
  });

  it("a lost blob cannot be proven: the task fails and the client claims the penalty after the deadline", async () => {
    const { quote, receipt, file } = await paidOrder({ upload: true, size: 3000 });
    const orderId = quote.quote.orderId;
    await loseBlob({ blobs: provider.server.context.blobs, fileRoot: file.root });
    await challenge(quote, receipt!);
    await waitFor(async () => (await provider.server.context.store.tasks.forOrder(orderId))[0]?.status === "failed", { what: "task failed" });
    expect((await provider.server.context.store.tasks.forOrder(orderId))[0]!.lastError).toContain("missing");
    expect(await stateOf(orderId)).toBe("Challenged");
    await chainControl({ rpcUrl: node.rpcUrl }).increaseTime(61);
    const claimed = await send("claimPenalty", quote);
    expect(claimed.status).toBe("success");
    expect(await stateOf(orderId)).toBe("Penalized");
    await waitFor(async () => (await eventNames(orderId)).includes("PenaltyClaimed"), { what: "PenaltyClaimed applied" });
    const client = await signIn({ baseUrl: provider.baseUrl, account: alice });
    expect((await client.order(orderId)).chainState).toBe("Penalized");
    // A penalized order's file is not served any more.
    expect((await client.download(file.root)).status).toBeGreaterThanOrEqual(400);
  });

  it("a dispute found only after its deadline is not answered (the contract refuses late answers)", async () => {
    const { quote } = await paidOrder({ upload: false });
    const orderId = quote.quote.orderId;
    const dataDir = provider.dataDir;
    await provider.stop({ keepData: true });
    await send("disputeDelivery", quote);
    await chainControl({ rpcUrl: node.rpcUrl }).increaseTime(61);
    const owner = testAccount(0).address;
    const nonce = await clients.publicClient.getTransactionCount({ address: owner });
    provider = await startProvider({ rpcUrl: node.rpcUrl, dataDir });
    await waitFor(async () => (await provider.server.context.store.tasks.forOrder(orderId))[0]?.status === "failed", { what: "task failed" });
    expect((await provider.server.context.store.tasks.forOrder(orderId))[0]!.lastError).toContain("deadline");
    expect(await clients.publicClient.getTransactionCount({ address: owner })).toBe(nonce);
    expect((await send("claimPenalty", quote)).status).toBe("success");
    expect(await stateOf(orderId)).toBe("Penalized");
  });
});
