// Contract v2 (issue 9): each finding of the audit played as an attack, asserting in wei that it
// now fails or costs the cheater the fine; the honest provider's guarantees; the new custom errors.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { type Hex, bytesToHex, getAddress, parseEther, parseEventLogs } from "viem";
import { type Quote, bondSplit, serverContractAbi } from "@pekanu/protocol";
import { fileRootOf, inclusionProof, leafHash, splitChunks } from "@pekanu/protocol/merkle";
import { nodeSha256 } from "@pekanu/protocol/node";
import { type Fixture, deployFixture, v2Params } from "./fixture.ts";

const LINK = "https://provider.example/v1/files/v2";
const GWEI = 1_000_000_000n;

function makeFile(size: number) {
  const data = new Uint8Array(randomBytes(size));
  const leaves = splitChunks(data).map((chunk) => leafHash(chunk, { sha256: nodeSha256 }));
  return {
    root: fileRootOf(data, { sha256: nodeSha256 }),
    size: BigInt(size),
    chunkCount: size === 0 ? 1 : Math.ceil(size / 1024),
    chunk: (i: number): Hex => bytesToHex(data.subarray(i * 1024, Math.min(size, (i + 1) * 1024))),
    proof: (i: number): Hex[] => inclusionProof({ leafHashes: leaves, index: i, sha256: nodeSha256 }),
  };
}

async function v2() {
  return deployFixture({ params: v2Params });
}

async function stored(f: Fixture, size = 5 * 1024 + 300, overrides: Partial<Quote> = {}, client = f.alice) {
  const file = makeFile(size);
  const quote = await f.paidOrder(client, { fileRoot: file.root, size: file.size, price: parseEther("0.1"), fine: parseEther("0.2"), ...overrides });
  return { quote, file, sigma: await f.signReceipt(quote, LINK), client };
}
type Stored = Awaited<ReturnType<typeof stored>>;

const challenge = (f: Fixture, o: Stored, indices: bigint[], sigma: { link: string; sig: Hex } = { link: LINK, sig: o.sigma }) =>
  f.contract.write.challengeStorage([o.quote, sigma.link, sigma.sig, indices], {
    account: o.client.account,
    value: f.params.challengeBond * BigInt(indices.length),
  });

const answer = (f: Fixture, o: Stored, indices: number[], fee: { maxPriorityFeePerGas?: bigint } = {}) =>
  f.contract.write.respondStorage(
    [o.quote.orderId, o.quote.size, indices.map((i) => o.file.chunk(i)), indices.map((i) => o.file.proof(i)), o.client.account.address],
    { account: f.signer.account, ...fee },
  );

/** contract balance == stake + unsettled escrow + open bonds + credits + earnings, from the chain's own views. */
async function assertBalanced(f: Fixture, orders: Quote[], accounts = [f.owner, f.alice, f.bob, f.stranger]) {
  const [total] = await f.contract.read.stake();
  let expected = total;
  for (const q of orders) {
    const [state, settled] = await f.contract.read.orderOf([q.orderId]);
    if ((state === 1 || state === 2 || state === 3 || state === 4) && !settled) expected += q.price;
    const [, , , , bond] = await f.contract.read.pendingOf([q.orderId]);
    expected += bond;
  }
  for (const a of accounts) expected += await f.contract.read.withdrawable([a.account.address]);
  assert.equal(await f.publicClient.getBalance({ address: f.contract.address }), expected);
}

async function setBaseFee(f: Fixture, wei: bigint) {
  await f.connection.provider.request({ method: "hardhat_setNextBlockBaseFeePerGas", params: [`0x${wei.toString(16)}`] });
}

describe("v2 finding 1: refund is no escape hatch", () => {
  it("a provider front-running a challenge with refund is refused; the unanswered challenge costs it price + fine + bond", async () => {
    const f = await v2();
    const o = await stored(f);
    await f.viem.assertions.revertWithCustomErrorWithArgs(
      f.contract.write.refund([o.quote], { account: f.owner.account }),
      f.contract,
      "ServerContractInvalidState",
      [o.quote.orderId, 1],
    );
    await challenge(f, o, [2n]);
    await f.viem.assertions.revertWithCustomErrorWithArgs(
      f.contract.write.refund([o.quote], { account: f.owner.account }),
      f.contract,
      "ServerContractInvalidState",
      [o.quote.orderId, 3],
    );
    await f.networkHelpers.time.increase(f.params.responseWindow + 1n);
    const [totalBefore] = await f.contract.read.stake();
    await f.contract.write.claimPenalty([o.quote], { account: f.alice.account });
    assert.equal(await f.contract.read.withdrawable([f.alice.account.address]), o.quote.price + o.quote.fine + f.params.challengeBond);
    assert.equal((await f.contract.read.stake())[0], totalBefore - o.quote.fine);
    await assertBalanced(f, [o.quote]);
  });

  it("900,000 s after payment, and once σ is on chain, refund is refused", async () => {
    const f = await v2();
    const o = await stored(f, 3000, { storageUntil: BigInt(await f.networkHelpers.time.latest()) + 2_000_000n });
    await f.networkHelpers.time.increase(900_000);
    await f.viem.assertions.revertWithCustomErrorWithArgs(f.contract.write.refund([o.quote], { account: f.owner.account }), f.contract, "ServerContractInvalidState", [o.quote.orderId, 1]);
    await f.contract.write.disputeDelivery([o.quote], { account: f.alice.account });
    await f.contract.write.publishReceipt([o.quote, LINK, o.sigma]);
    await f.viem.assertions.revertWithCustomErrorWithArgs(f.contract.write.refund([o.quote], { account: f.owner.account }), f.contract, "ServerContractInvalidState", [o.quote.orderId, 1]);
    await f.viem.assertions.revertWithCustomErrorWithArgs(f.contract.write.disputeDelivery([o.quote], { account: f.alice.account }), f.contract, "ServerContractAlreadyDelivered", [o.quote.orderId]);
  });

  it("honest: a refund in a delivery dispute costs no fine (stake total unchanged, fine unlocked, price back)", async () => {
    const f = await v2();
    const o = await stored(f);
    await f.contract.write.disputeDelivery([o.quote], { account: f.alice.account });
    const [total] = await f.contract.read.stake();
    await f.contract.write.refund([o.quote], { account: f.owner.account });
    assert.deepEqual(await f.contract.read.stake(), [total, 0n]);
    assert.equal(await f.contract.read.withdrawable([f.alice.account.address]), o.quote.price);
    assert.equal(await f.contract.read.withdrawable([f.owner.account.address]), 0n);
    await assertBalanced(f, [o.quote]);
  });
});

describe("v2 finding 2: the client names the chunks", () => {
  it("a provider that lost 1 chunk (the one the audit found) cannot answer it: replaying another chunk fails, the fine is paid", async () => {
    const f = await v2();
    const o = await stored(f, 100 * 1024); // 100 chunks; chunk 37 is lost
    await challenge(f, o, [37n]);
    assert.deepEqual((await f.contract.read.pendingOf([o.quote.orderId]))[3], [37n]);
    for (const other of [36, 38, 0]) {
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.contract.write.respondStorage([o.quote.orderId, o.quote.size, [o.file.chunk(other)], [o.file.proof(other)], f.alice.account.address]),
        f.contract,
        "ServerContractInvalidProof",
        [o.quote.orderId],
      );
    }
    await f.networkHelpers.time.increase(f.params.responseWindow + 1n);
    await f.contract.write.claimPenalty([o.quote], { account: f.alice.account });
    assert.equal(await f.contract.read.withdrawable([f.alice.account.address]), o.quote.price + o.quote.fine + f.params.challengeBond);
  });

  it("up to K indices; 0 or K+1 is ServerContractInvalidChunkCount, an index ≥ chunk count ServerContractChunkOutOfRange; a K-chunk answer must give every chunk in order", async () => {
    const f = await v2();
    const o = await stored(f, 9 * 1024 + 5); // 10 chunks
    const K = f.params.maxChallengeChunks;
    await f.viem.assertions.revertWithCustomErrorWithArgs(challenge(f, o, []), f.contract, "ServerContractInvalidChunkCount", [0n, K]);
    await f.viem.assertions.revertWithCustomErrorWithArgs(challenge(f, o, [0n, 1n, 2n, 3n, 4n]), f.contract, "ServerContractInvalidChunkCount", [5n, K]);
    await f.viem.assertions.revertWithCustomErrorWithArgs(challenge(f, o, [1n, 10n]), f.contract, "ServerContractChunkOutOfRange", [10n, 10n]);
    await f.viem.assertions.revertWithCustomErrorWithArgs(
      f.contract.write.challengeStorage([o.quote, LINK, o.sigma, [1n, 2n]], { account: f.alice.account, value: f.params.challengeBond }),
      f.contract,
      "ServerContractIncorrectPayment",
      [f.params.challengeBond * 2n, f.params.challengeBond],
    );
    await challenge(f, o, [9n, 0n, 5n, 9n]);
    assert.deepEqual((await f.contract.read.pendingOf([o.quote.orderId]))[3], [9n, 0n, 5n, 9n]);
    await f.viem.assertions.revertWithCustomErrorWithArgs(answer(f, o, [9, 0, 5]), f.contract, "ServerContractLengthMismatch", [4n, 3n]);
    await f.viem.assertions.revertWithCustomErrorWithArgs(
      f.contract.write.respondStorage([o.quote.orderId, o.quote.size, [9, 0, 5, 9].map((i) => o.file.chunk(i)), [9, 0, 5].map((i) => o.file.proof(i)), f.alice.account.address]),
      f.contract,
      "ServerContractLengthMismatch",
      [4n, 3n],
    );
    await f.viem.assertions.revertWithCustomErrorWithArgs(answer(f, o, [0, 9, 5, 9]), f.contract, "ServerContractInvalidChunk", [o.quote.orderId]);
    const hash = await answer(f, o, [9, 0, 5, 9]);
    const receipt = await f.publicClient.waitForTransactionReceipt({ hash });
    const [proven] = parseEventLogs({ abi: serverContractAbi, eventName: "StorageProven", logs: receipt.logs });
    assert.deepEqual(proven!.args.chunkIndices, [9n, 0n, 5n, 9n]);
    assert.equal(proven!.args.paidToProvider + proven!.args.returnedToClient, f.params.challengeBond * 4n);
    await assertBalanced(f, [o.quote]);
  });

  it("honest: every index of a file is answerable, the short last chunk too", async () => {
    const f = await deployFixture({ params: { ...v2Params, challengeCooldown: 0n } });
    const o = await stored(f, 6 * 1024 + 1); // 7 chunks, the last one 1 byte
    for (let i = 0; i < o.file.chunkCount; i++) {
      await challenge(f, o, [BigInt(i)]);
      await answer(f, o, [i]);
      assert.equal((await f.contract.read.orderOf([o.quote.orderId]))[0], 1);
    }
    await assertBalanced(f, [o.quote]);
  });
});

describe("v2 finding 3: the bond pays the answer's gas, the rest goes back", () => {
  for (const gwei of [1n, 10n, 30n, 100n]) {
    it(`at ${gwei} gwei base fee: the provider gets min(bond, answerGas × basefee × margin) ≥ its gas, the client the rest, in wei`, async () => {
      const f = await v2();
      const o = await stored(f, 64 * 1024);
      await challenge(f, o, [33n]);
      const owner0 = await f.contract.read.withdrawable([f.owner.account.address]);
      const alice0 = await f.contract.read.withdrawable([f.alice.account.address]);
      await setBaseFee(f, gwei * GWEI);
      const hash = await answer(f, o, [33], { maxPriorityFeePerGas: gwei * GWEI / 2n });
      const receipt = await f.publicClient.waitForTransactionReceipt({ hash });
      const block = await f.publicClient.getBlock({ blockNumber: receipt.blockNumber });
      assert.equal(block.baseFeePerGas, gwei * GWEI);
      const expected = bondSplit({ params: f.params, size: o.quote.size, count: 1n, baseFee: gwei * GWEI });
      const paid = (await f.contract.read.withdrawable([f.owner.account.address])) - owner0;
      const back = (await f.contract.read.withdrawable([f.alice.account.address])) - alice0;
      assert.equal(paid, expected.toProvider);
      assert.equal(back, expected.toClient);
      assert.equal(paid + back, f.params.challengeBond);
      // the provider's real cost (gas × effective price, with a tip of half the base fee) is covered
      // whenever the bond allows it
      const cost = receipt.gasUsed * receipt.effectiveGasPrice;
      if (paid < f.params.challengeBond) assert.ok(paid >= cost, `paid ${paid} < cost ${cost}`);
      else assert.equal(paid, f.params.challengeBond);
      await assertBalanced(f, [o.quote]);
    });
  }

  it("bondSplit (view) equals the protocol's bondSplit; with a 0 base fee the provider still gets 1 wei", async () => {
    const f = await v2();
    for (const [size, count, fee] of [[1n << 30n, 1n, 10n * GWEI], [5000n, 3n, 7n], [0n, 1n, 0n]] as const) {
      const [gas, toProvider, toClient] = await f.contract.read.bondSplit([size, count, fee]);
      assert.deepEqual({ answerGas: gas, toProvider, toClient }, bondSplit({ params: f.params, size, count, baseFee: fee }));
    }
    assert.equal((await f.contract.read.bondSplit([1024n, 1n, 0n]))[1], 1n);
  });
});

describe("v2 finding 4: small orders are enforceable (minimum fine)", () => {
  it("a fine below minFine is ServerContractFineTooLow; a 1-wei order carries minFine and a penalty pays the client's whole enforcement gas", async () => {
    const f = await v2();
    const q = await f.makeQuote({ client: f.alice.account.address, price: 1n, fine: v2Params.minFine - 1n });
    await f.contract.write.registerClient([f.alice.account.address], { account: f.owner.account });
    await f.viem.assertions.revertWithCustomErrorWithArgs(
      f.contract.write.pay([q, await f.signQuote(q)], { account: f.alice.account, value: 1n }),
      f.contract,
      "ServerContractFineTooLow",
      [v2Params.minFine - 1n, v2Params.minFine],
    );
    const o = await stored(f, 1024, { price: 1n, fine: v2Params.minFine });
    await setBaseFee(f, 100n * GWEI);
    const before = await f.publicClient.getBalance({ address: f.alice.account.address });
    const r1 = await f.publicClient.waitForTransactionReceipt({ hash: await challenge(f, o, [0n]) });
    await f.networkHelpers.time.increase(f.params.responseWindow + 1n);
    await setBaseFee(f, 100n * GWEI);
    const r2 = await f.publicClient.waitForTransactionReceipt({ hash: await f.contract.write.claimPenalty([o.quote], { account: f.alice.account }) });
    await setBaseFee(f, 100n * GWEI);
    const r3 = await f.publicClient.waitForTransactionReceipt({ hash: await f.contract.write.withdraw({ account: f.alice.account }) });
    const gasPaid = [r1, r2, r3].reduce((sum, r) => sum + r.gasUsed * r.effectiveGasPrice, 0n);
    const after = await f.publicClient.getBalance({ address: f.alice.account.address });
    // net: the bond comes back, price + fine arrive, the gas of three transactions at ~100 gwei is paid
    assert.equal(after - before, o.quote.price + o.quote.fine - gasPaid);
    assert.ok(after > before, `enforcement at 100 gwei lost ${before - after} wei`);
  });
});

describe("v2 finding 5: σ is recoverable from chain", () => {
  it("ReceiptPublished carries σ; a client that never got σ challenges a delivered order without it", async () => {
    const f = await v2();
    const o = await stored(f);
    await f.contract.write.disputeDelivery([o.quote], { account: f.alice.account });
    const hash = await f.contract.write.publishReceipt([o.quote, LINK, o.sigma], { account: f.stranger.account });
    const [published] = parseEventLogs({ abi: serverContractAbi, eventName: "ReceiptPublished", logs: (await f.publicClient.waitForTransactionReceipt({ hash })).logs });
    assert.equal(published!.args.signature, o.sigma);
    assert.equal(published!.args.link, LINK);
    assert.equal(await f.contract.read.isDelivered([o.quote.orderId]), true);
    await challenge(f, o, [1n], { link: "", sig: "0x" });
    assert.equal((await f.contract.read.orderOf([o.quote.orderId]))[0], 3);
    await f.networkHelpers.time.increase(f.params.responseWindow + 1n);
    await f.contract.write.claimPenalty([o.quote], { account: f.alice.account });
    assert.equal(await f.contract.read.withdrawable([f.alice.account.address]), o.quote.price + o.quote.fine + f.params.challengeBond);
  });

  it("an undelivered order still needs a valid σ", async () => {
    const f = await v2();
    const o = await stored(f);
    await f.viem.assertions.revertWithCustomErrorWithArgs(challenge(f, o, [1n], { link: "", sig: "0x" }), f.contract, "ServerContractInvalidReceiptSignature", ["0x0000000000000000000000000000000000000000"]);
  });
});

describe("v2 finding 6: a stolen signer key is capped", () => {
  it("the thief's fines are capped per order (ServerContractFineTooHigh) and per period (ServerContractFineLockLimit); rotation makes its later signatures worthless; the loss is at most fineLockLimit", async () => {
    const f = await v2();
    const thief = f.stranger;
    const thiefKey = f.signer; // the stolen signer key
    await f.contract.write.registerClient([thief.account.address], { account: f.owner.account });
    const [stake0] = await f.contract.read.stake();
    // 1 wei price with all free stake as fine: refused
    const greedy = await f.makeQuote({ client: thief.account.address, price: 1n, fine: stake0 });
    await f.viem.assertions.revertWithCustomErrorWithArgs(
      f.contract.write.pay([greedy, await f.signQuote(greedy, thiefKey)], { account: thief.account, value: 1n }),
      f.contract,
      "ServerContractFineTooHigh",
      [stake0, v2Params.minFine],
    );
    // the biggest fines allowed: maxFine at price maxFine / multiple, until the period's limit
    const price = v2Params.maxFine / v2Params.maxFineMultiple;
    const quotes: Quote[] = [];
    for (let i = 0; i < 2; i++) quotes.push(await f.makeQuote({ client: thief.account.address, price, fine: v2Params.maxFine, storageUntil: BigInt(await f.networkHelpers.time.latest()) + 100_000n }));
    await f.contract.write.payBatch([quotes, await Promise.all(quotes.map((q) => f.signQuote(q, thiefKey)))], { account: thief.account, value: price * 2n });
    const more = await f.makeQuote({ client: thief.account.address, price, fine: v2Params.maxFine });
    await f.viem.assertions.revertWithCustomErrorWithArgs(
      f.contract.write.pay([more, await f.signQuote(more, thiefKey)], { account: thief.account, value: price }),
      f.contract,
      "ServerContractFineLockLimit",
      [v2Params.maxFine, v2Params.fineLockLimit - 2n * v2Params.maxFine],
    );
    // the owner rotates: the stolen key's quotes and its σ for later orders are worthless
    await f.contract.write.rotateSigner([f.newSigner.account.address], { account: f.owner.account });
    const late = await f.makeQuote({ client: thief.account.address, price: 1n, fine: v2Params.minFine });
    await f.viem.assertions.revertWithCustomErrorWithArgs(
      f.contract.write.pay([late, await f.signQuote(late, thiefKey)], { account: thief.account, value: 1n }),
      f.contract,
      "ServerContractInvalidQuoteSignature",
      [getAddress(thiefKey.account.address)],
    );
    const honest = await f.makeQuote({ client: thief.account.address, price: 1n, fine: v2Params.minFine });
    await f.contract.write.pay([honest, await f.signQuote(honest, f.newSigner)], { account: thief.account, value: 1n });
    await f.viem.assertions.revertWithCustomErrorWithArgs(
      f.contract.write.challengeStorage([honest, LINK, await f.signReceipt(honest, LINK, thiefKey), [0n]], { account: thief.account, value: f.params.challengeBond }),
      f.contract,
      "ServerContractInvalidReceiptSignature",
      [getAddress(thiefKey.account.address)],
    );
    // what the thief can still take: the fines locked before the rotation, at most fineLockLimit
    for (const q of quotes) {
      await f.contract.write.challengeStorage([q, LINK, await f.signReceipt(q, LINK, thiefKey), [0n]], { account: thief.account, value: f.params.challengeBond });
    }
    await f.networkHelpers.time.increase(f.params.responseWindow + 1n);
    for (const q of quotes) await f.contract.write.claimPenalty([q], { account: thief.account });
    const [stake1] = await f.contract.read.stake();
    assert.equal(stake0 - stake1, 2n * v2Params.maxFine);
    assert.ok(stake0 - stake1 <= v2Params.fineLockLimit);
    assert.equal(await f.contract.read.withdrawable([thief.account.address]), 2n * (price + v2Params.maxFine + f.params.challengeBond));
    // the next period allows new (honest) fines again
    await f.networkHelpers.time.increase(v2Params.fineLockPeriod);
    assert.deepEqual(await f.contract.read.fineWindow(), [0n, v2Params.fineLockLimit]);
    await assertBalanced(f, [...quotes, honest], [f.owner, f.alice, thief]);
  });
});

describe("v2 finding 7: rotation is exact by block", () => {
  it("same timestamp, different blocks: σ of the old key is valid for the order paid in the block before the rotation, void for the one paid after", async () => {
    const f = await deployFixture({ params: v2Params, sameTimestampBlocks: true });
    await f.contract.write.registerClient([f.alice.account.address], { account: f.owner.account });
    const t = BigInt(await f.networkHelpers.time.latest()) + 10n;
    const before = await f.makeQuote({ client: f.alice.account.address, fine: v2Params.minFine });
    const after = await f.makeQuote({ client: f.alice.account.address, fine: v2Params.minFine });
    const beforeSig = await f.signQuote(before);
    const afterSig = await f.signQuote(after, f.newSigner);
    // three blocks with the same timestamp, as on L2s (Hardhat's allowBlocksWithSameTimestamp)
    await f.connection.provider.request({ method: "evm_setNextBlockTimestamp", params: [Number(t)] });
    const h1 = await f.contract.write.pay([before, beforeSig], { account: f.alice.account, value: before.price });
    await f.connection.provider.request({ method: "evm_setNextBlockTimestamp", params: [Number(t)] });
    const h2 = await f.contract.write.rotateSigner([f.newSigner.account.address], { account: f.owner.account });
    await f.connection.provider.request({ method: "evm_setNextBlockTimestamp", params: [Number(t)] });
    const h3 = await f.contract.write.pay([after, afterSig], { account: f.alice.account, value: after.price });
    const [b1, b2, b3] = await Promise.all([h1, h2, h3].map((hash) => f.publicClient.waitForTransactionReceipt({ hash })));
    assert.ok(b1!.blockNumber < b2!.blockNumber && b2!.blockNumber < b3!.blockNumber);
    const times = await Promise.all([b1, b2, b3].map(async (r) => (await f.publicClient.getBlock({ blockNumber: r!.blockNumber })).timestamp));
    assert.deepEqual(times, [t, t, t]);
    assert.equal(await f.contract.read.acceptsReceiptSigner([before.orderId, f.signer.account.address]), true);
    assert.equal(await f.contract.read.acceptsReceiptSigner([after.orderId, f.signer.account.address]), false);
    assert.equal(await f.contract.read.acceptsReceiptSigner([after.orderId, f.newSigner.account.address]), true);
    await f.contract.write.disputeDelivery([before], { account: f.alice.account });
    await f.contract.write.publishReceipt([before, LINK, await f.signReceipt(before, LINK, f.signer)]);
    await f.contract.write.disputeDelivery([after], { account: f.alice.account });
    await f.viem.assertions.revertWithCustomErrorWithArgs(
      f.contract.write.publishReceipt([after, LINK, await f.signReceipt(after, LINK, f.signer)]),
      f.contract,
      "ServerContractInvalidReceiptSignature",
      [getAddress(f.signer.account.address)],
    );
  });
});

describe("v2 finding 8: deduplicated files and replayed answers", () => {
  it("StorageProven names fileRoot and indices; replaying old calldata fails a challenge on an unrevealed chunk", async () => {
    const f = await v2();
    const a = await stored(f, 2 * 1024); // one file, two chunks, stored for alice and for bob (dedup)
    const bobQuote = await f.paidOrder(f.bob, { fileRoot: a.file.root, size: a.file.size, price: parseEther("0.1"), fine: parseEther("0.2") });
    const b: Stored = { quote: bobQuote, file: a.file, sigma: await f.signReceipt(bobQuote, LINK), client: f.bob };
    await challenge(f, a, [0n]);
    const hash = await answer(f, a, [0]);
    const receipt = await f.publicClient.waitForTransactionReceipt({ hash });
    const [proven] = parseEventLogs({ abi: serverContractAbi, eventName: "StorageProven", logs: receipt.logs });
    assert.equal(proven!.args.fileRoot, a.file.root);
    assert.deepEqual(proven!.args.chunkIndices, [0n]);
    const logs = await f.contract.getEvents.StorageProven({ fileRoot: a.file.root }, { fromBlock: 0n });
    const revealed = new Set(logs.flatMap((l) => l.args.chunkIndices!.map(Number)));
    assert.deepEqual([...revealed], [0]);
    // the provider deleted the file; it only has the public calldata of chunk 0
    const old = await f.publicClient.getTransaction({ hash });
    const [, , oldChunks, oldProofs] = (await import("viem")).decodeFunctionData({ abi: serverContractAbi, data: old.input }).args as readonly [Hex, bigint, readonly Hex[], readonly (readonly Hex[])[], Hex];
    // bob names the unrevealed chunk 1: the replay of chunk 0 fails
    await challenge(f, b, [1n]);
    await f.viem.assertions.revertWithCustomErrorWithArgs(
      f.contract.write.respondStorage([b.quote.orderId, b.quote.size, oldChunks, oldProofs, f.bob.account.address]),
      f.contract,
      "ServerContractInvalidProof",
      [b.quote.orderId],
    );
    await f.networkHelpers.time.increase(f.params.responseWindow + 1n);
    await f.contract.write.claimPenalty([b.quote], { account: f.bob.account });
    assert.equal(await f.contract.read.withdrawable([f.bob.account.address]), b.quote.price + b.quote.fine + f.params.challengeBond);
  });
});

describe("v2 finding 10: batches", () => {
  it("payBatch is all or nothing, settleBatch and releaseBatch stop at the first order they cannot take", async () => {
    const f = await v2();
    await f.contract.write.registerClient([f.alice.account.address], { account: f.owner.account });
    const t = BigInt(await f.networkHelpers.time.latest());
    const quotes: Quote[] = [];
    for (let i = 0; i < 5; i++) quotes.push(await f.makeQuote({ client: f.alice.account.address, price: parseEther("0.01") * BigInt(i + 1), fine: v2Params.minFine, storageUntil: t + 1_000n }));
    const sigs = await Promise.all(quotes.map((q) => f.signQuote(q)));
    const total = quotes.reduce((s, q) => s + q.price, 0n);
    const bad = [...sigs];
    bad[3] = await f.signQuote(quotes[3]!, f.stranger);
    await f.viem.assertions.revertWithCustomErrorWithArgs(
      f.contract.write.payBatch([quotes, bad], { account: f.alice.account, value: total }),
      f.contract,
      "ServerContractInvalidQuoteSignature",
      [getAddress(f.stranger.account.address)],
    );
    await f.viem.assertions.revertWithCustomErrorWithArgs(f.contract.write.payBatch([quotes, sigs.slice(1)], { account: f.alice.account, value: total }), f.contract, "ServerContractLengthMismatch", [5n, 4n]);
    await f.viem.assertions.revertWithCustomErrorWithArgs(f.contract.write.payBatch([quotes, sigs], { account: f.alice.account, value: total - 1n }), f.contract, "ServerContractIncorrectPayment", [total, total - 1n]);
    await f.viem.assertions.revertWithCustomError(f.contract.write.payBatch([[], []], { account: f.alice.account }), f.contract, "ServerContractZeroAmount");
    for (const q of quotes) assert.equal((await f.contract.read.orderOf([q.orderId]))[0], 0);
    await f.contract.write.payBatch([quotes, sigs], { account: f.alice.account, value: total });
    assert.deepEqual(await f.contract.read.stake(), [(await f.contract.read.stake())[0], v2Params.minFine * 5n]);
    // one refunded order stops the settle batch; without it the rest settles
    await f.contract.write.disputeDelivery([quotes[2]!], { account: f.alice.account });
    await f.contract.write.refund([quotes[2]!], { account: f.owner.account });
    await f.networkHelpers.time.increase(f.params.settleDelay);
    await f.viem.assertions.revertWithCustomErrorWithArgs(f.contract.write.settleBatch([quotes]), f.contract, "ServerContractInvalidState", [quotes[2]!.orderId, 5]);
    const rest = quotes.filter((_, i) => i !== 2);
    await f.contract.write.settleBatch([rest]);
    assert.equal(await f.contract.read.withdrawable([f.owner.account.address]), rest.reduce((s, q) => s + q.price, 0n));
    await f.networkHelpers.time.increaseTo(t + 1_000n);
    await f.viem.assertions.revertWithCustomErrorWithArgs(f.contract.write.releaseBatch([quotes]), f.contract, "ServerContractInvalidState", [quotes[2]!.orderId, 5]);
    await f.contract.write.releaseBatch([rest]);
    assert.equal((await f.contract.read.stake())[1], 0n);
    await assertBalanced(f, quotes);
  });
});

describe("v2 constructor parameters", () => {
  it("refuses K outside 1..7, a margin below 100 %, minFine > maxFine, a zero multiple, period or lock limit (ServerContractInvalidParams)", async () => {
    const f = await v2();
    const bads = [
      { maxChallengeChunks: 0n },
      { maxChallengeChunks: 8n },
      { bondMarginPercent: 99n },
      { minFine: 2n, maxFine: 1n },
      { maxFineMultiple: 0n },
      { fineLockPeriod: 0n },
      { fineLockLimit: 0n },
    ];
    for (const bad of bads) {
      await f.viem.assertions.revertWithCustomError(
        f.viem.deployContract("ServerContract", [f.signer.account.address, { ...v2Params, ...bad }]),
        f.contract,
        "ServerContractInvalidParams",
      );
    }
    const p = await f.contract.read.params();
    assert.deepEqual(p, v2Params);
    assert.equal(await f.contract.read.maxFineFor([1n]), v2Params.minFine);
    assert.equal(await f.contract.read.maxFineFor([parseEther("0.1")]), parseEther("0.4"));
    assert.equal(await f.contract.read.maxFineFor([parseEther("100")]), v2Params.maxFine);
  });
});
