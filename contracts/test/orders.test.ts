// Unit tests of the order lifecycle of ServerContract: pay, settle, delivery disputes, refunds,
// storage challenges, penalties, release and pull payments, plus the views.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import {
  type Hex,
  bytesToHex,
  encodeErrorResult,
  getAddress,
  hashStruct,
  keccak256,
  parseEther,
  recoverTypedDataAddress,
  toHex,
  zeroAddress,
} from "viem";
import {
  EIP712_NAME,
  EIP712_VERSION,
  MAX_FILE_SIZE,
  OrderState,
  type Quote,
  orderCommitment,
  quoteTypedData,
  quoteTypes,
  receiptFor,
  receiptTypes,
  receiptTypedData,
} from "@pekanu/protocol";
import { fileRootOf, inclusionProof, leafHash, splitChunks } from "@pekanu/protocol/merkle";
import { nodeSha256 } from "@pekanu/protocol/node";
import { INITIAL_STAKE, type Fixture, deployFixture, testParams } from "./fixture.ts";

const LINK = "https://provider.example/v1/files/abc";

type Wallet = Fixture["alice"];

/** RFC 9162 audit path of chunk `index` of `data`, from the shared Merkle module. */
function merkleProof(data: Uint8Array, index: number): Hex[] {
  return inclusionProof({ chunks: splitChunks(data), index, sha256: nodeSha256 });
}

/** Random file content, its RFC 6962 root (shared Merkle module), and chunk + proof for any index. */
function makeFile(size: number) {
  const data = new Uint8Array(randomBytes(size));
  const root = fileRootOf(data, { sha256: nodeSha256 });
  const leaves = splitChunks(data).map((chunk) => leafHash(chunk, { sha256: nodeSha256 }));
  return {
    data,
    root,
    size: BigInt(size),
    chunkCount: size === 0 ? 1 : Math.ceil(size / 1024),
    chunk(index: number): Hex {
      return bytesToHex(data.subarray(index * 1024, Math.min(size, (index + 1) * 1024)));
    },
    proof(index: number): Hex[] {
      return inclusionProof({ leafHashes: leaves, index, sha256: nodeSha256 });
    },
  };
}
type File = ReturnType<typeof makeFile>;

/** Pays an order for a real file and has the signer issue σ for it. */
async function storedOrder(f: Fixture, client: Wallet = f.alice, size = 4196, overrides: Partial<Quote> = {}) {
  const file = makeFile(size);
  const quote = await f.paidOrder(client, { fileRoot: file.root, size: file.size, ...overrides });
  const sigma = await f.signReceipt(quote, LINK);
  return { quote, file, sigma, client };
}
type Stored = Awaited<ReturnType<typeof storedOrder>>;

/** Opens a storage challenge on `order` naming chunk `named` (v2: the client names it); returns the index and the deadline. */
async function challenge(f: Fixture, order: Stored, named = order.file.chunkCount - 1) {
  await f.contract.write.challengeStorage([order.quote, LINK, order.sigma, [BigInt(named)]], {
    account: order.client.account,
    value: f.params.challengeBond,
  });
  const [deadline, lastChallengeAt, chunkIndex] = await f.contract.read.pendingOf([order.quote.orderId]);
  return { deadline, lastChallengeAt, index: Number(chunkIndex) };
}

async function respond(f: Fixture, order: Stored, index: number, by: Wallet = f.signer) {
  return f.contract.write.respondStorage(
    [order.quote.orderId, order.quote.size, [order.file.chunk(index)], [order.file.proof(index)], order.client.account.address],
    { account: by.account },
  );
}

/** v2: a refund only answers an open delivery dispute, so the client disputes first. */
async function disputeAndRefund(f: Fixture, quote: Quote) {
  await f.contract.write.disputeDelivery([quote], { account: quote.client });
  return f.contract.write.refund([quote], { account: f.owner.account });
}

async function stateOf(f: Fixture, orderId: Hex): Promise<number> {
  const [state] = await f.contract.read.orderOf([orderId]);
  return state;
}

/**
 * The solvency invariant after every path has been withdrawn: with no order open, the contract
 * holds exactly the stake.
 */
async function assertOnlyStakeLeft(f: Fixture, accounts: Wallet[]) {
  for (const a of accounts) {
    if ((await f.contract.read.withdrawable([a.account.address])) > 0n) {
      await f.contract.write.withdraw({ account: a.account });
    }
  }
  const [total] = await f.contract.read.stake();
  assert.equal(await f.publicClient.getBalance({ address: f.contract.address }), total);
}

const flipByte = (hex: Hex, at = 0): Hex => {
  const bytes = Buffer.from(hex.slice(2), "hex");
  bytes[at] = bytes[at]! ^ 0x01;
  return `0x${bytes.toString("hex")}`;
};

/** Explicit gas: a reverting transaction is mined (in the block we time) instead of failing estimation. */
const GAS = 1_000_000n;

/**
 * What a refused transaction must leave alone: the orders (state, settled, paidAt, commitment,
 * pending deadline/challenge, delivered flag), the stake book, every withdrawable credit, the
 * contract's ETH balance and the ETH balance of everyone but the sender (who pays the gas).
 */
async function chainState(f: Fixture, orderIds: readonly Hex[], sender: Wallet) {
  const c = f.contract;
  const wallets = [f.owner, f.alice, f.bob, f.stranger, f.signer];
  return {
    orders: await Promise.all(
      orderIds.map((id) => Promise.all([c.read.orderOf([id]), c.read.pendingOf([id]), c.read.isDelivered([id])])),
    ),
    stake: await c.read.stake(),
    withdrawable: await Promise.all(wallets.map((w) => c.read.withdrawable([w.account.address]))),
    contractBalance: await f.publicClient.getBalance({ address: c.address }),
    balances: await Promise.all(
      wallets.filter((w) => w !== sender).map((w) => f.publicClient.getBalance({ address: w.account.address })),
    ),
  };
}

type TimeError = "ServerContractTooLate" | "ServerContractTooEarly";

/**
 * Mines `send()` (which must pass `gas: GAS`) in a block at exactly `timestamp`, asserts that it
 * reverted with `error(arg)` and that nothing in `chainState` changed.
 */
async function assertRefusedAt(
  f: Fixture,
  timestamp: bigint,
  sender: Wallet,
  send: () => Promise<Hex>,
  error: TimeError,
  arg: bigint,
  orderIds: readonly Hex[],
) {
  const before = await chainState(f, orderIds, sender);
  await f.networkHelpers.time.setNextBlockTimestamp(timestamp);
  await f.viem.assertions.revertWithCustomErrorWithArgs(send(), f.contract, error, [arg]);
  const block = await f.publicClient.getBlock({ includeTransactions: false });
  assert.equal(block.timestamp, timestamp, "the refused transaction was mined at the given second");
  assert.equal(block.transactions.length, 1);
  const receipt = await f.publicClient.getTransactionReceipt({ hash: block.transactions[0]! });
  assert.equal(receipt.status, "reverted");
  assert.deepEqual(await chainState(f, orderIds, sender), before, "a refused transaction changes nothing");
}

/** Mines the next transaction at exactly `timestamp` and checks it succeeded there. */
async function acceptedAt(f: Fixture, timestamp: bigint, send: () => Promise<Hex>) {
  await f.networkHelpers.time.setNextBlockTimestamp(timestamp);
  const receipt = await f.publicClient.getTransactionReceipt({ hash: await send() });
  assert.equal(receipt.status, "success");
  assert.equal((await f.publicClient.getBlock({ blockNumber: receipt.blockNumber })).timestamp, timestamp);
}

// ─────────────────────────────── pay ───────────────────────────────

describe("ServerContract.pay", () => {
  it("escrows the price, locks the fine, records the commitment and emits OrderPaid", async () => {
    const f = await deployFixture();
    const { viem, contract, owner, alice, makeQuote, signQuote } = f;
    await contract.write.registerClient([alice.account.address], { account: owner.account });
    const quote = await makeQuote({ client: alice.account.address });
    const sig = await signQuote(quote);
    await viem.assertions.balancesHaveChanged(
      contract.write.pay([quote, sig], { account: alice.account, value: quote.price }),
      [
        { address: alice.account.address, amount: -quote.price },
        { address: contract.address, amount: quote.price },
      ],
    );
    const [state, settled, paidAt, commitment] = await contract.read.orderOf([quote.orderId]);
    assert.equal(state, OrderState.Paid);
    assert.equal(settled, false);
    assert.equal(paidAt, await f.now());
    const structHash = hashStruct({ data: quote, primaryType: "Quote", types: quoteTypes });
    assert.equal(commitment, orderCommitment(structHash));
    assert.deepEqual(await contract.read.stake(), [INITIAL_STAKE, quote.fine]);

    const q2 = await makeQuote({ client: alice.account.address });
    await viem.assertions.emitWithArgs(
      contract.write.pay([q2, await signQuote(q2)], { account: alice.account, value: q2.price }),
      contract,
      "OrderPaid",
      [q2.orderId, getAddress(alice.account.address), q2.fileRoot, q2.size, q2.price, q2.fine, q2.storageUntil],
    );
    assert.deepEqual(await contract.read.stake(), [INITIAL_STAKE, quote.fine + q2.fine]);
  });

  it("accepts a zero price, a zero fine, a zero size and the maximum size", async () => {
    const f = await deployFixture();
    // v2: a zero price allows at most minFine (0 in testParams) as the fine
    const free = await f.paidOrder(f.alice, { price: 0n, fine: 0n });
    assert.equal(await stateOf(f, free.orderId), OrderState.Paid);
    await f.paidOrder(f.alice, { fine: 0n });
    await f.paidOrder(f.alice, { size: 0n });
    await f.paidOrder(f.alice, { size: MAX_FILE_SIZE });
    assert.equal(await f.contract.read.MAX_FILE_SIZE(), MAX_FILE_SIZE);
  });

  it("rejects a sender other than quote.client (ServerContractUnauthorized)", async () => {
    const { viem, contract, owner, alice, bob, makeQuote, signQuote } = await deployFixture();
    await contract.write.registerClients([[alice.account.address, bob.account.address]], { account: owner.account });
    // a quote issued to alice, replayed by bob (also registered)
    const quote = await makeQuote({ client: alice.account.address });
    const sig = await signQuote(quote);
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.pay([quote, sig], { account: bob.account, value: quote.price }),
      contract,
      "ServerContractUnauthorized",
      [getAddress(bob.account.address)],
    );
    // bob cannot make it his by changing the client field: the signature no longer matches
    const forged = { ...quote, client: bob.account.address };
    await viem.assertions.revertWithCustomError(
      contract.write.pay([forged, sig], { account: bob.account, value: quote.price }),
      contract,
      "ServerContractInvalidQuoteSignature",
    );
    // alice herself can still pay it
    await contract.write.pay([quote, sig], { account: alice.account, value: quote.price });
  });

  it("rejects an unregistered client (ServerContractNotRegistered)", async () => {
    const { viem, contract, stranger, makeQuote, signQuote } = await deployFixture();
    const quote = await makeQuote({ client: stranger.account.address });
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.pay([quote, await signQuote(quote)], { account: stranger.account, value: quote.price }),
      contract,
      "ServerContractNotRegistered",
      [getAddress(stranger.account.address)],
    );
  });

  it("rejects an expired quote (ServerContractQuoteExpired), accepts it up to expiresAt inclusive", async () => {
    const { viem, contract, owner, alice, makeQuote, signQuote, networkHelpers } = await deployFixture();
    await contract.write.registerClient([alice.account.address], { account: owner.account });
    const onTime = await makeQuote({ client: alice.account.address });
    const late = await makeQuote({ client: alice.account.address, expiresAt: onTime.expiresAt });
    await networkHelpers.time.setNextBlockTimestamp(onTime.expiresAt);
    await contract.write.pay([onTime, await signQuote(onTime)], { account: alice.account, value: onTime.price });
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.pay([late, await signQuote(late)], { account: alice.account, value: late.price }),
      contract,
      "ServerContractQuoteExpired",
      [late.expiresAt],
    );
    await networkHelpers.time.increase(3600);
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.pay([late, await signQuote(late)], { account: alice.account, value: late.price }),
      contract,
      "ServerContractQuoteExpired",
      [late.expiresAt],
    );
  });

  it("rejects storageUntil not in the future (ServerContractInvalidStorageUntil)", async () => {
    const { viem, contract, owner, alice, makeQuote, signQuote, networkHelpers, now } = await deployFixture();
    await contract.write.registerClient([alice.account.address], { account: owner.account });
    const t = (await now()) + 10n;
    for (const storageUntil of [0n, t - 20n, t]) {
      const quote = await makeQuote({ client: alice.account.address, storageUntil });
      const sig = await signQuote(quote);
      await networkHelpers.time.setNextBlockTimestamp(t);
      await viem.assertions.revertWithCustomErrorWithArgs(
        contract.write.pay([quote, sig], { account: alice.account, value: quote.price }),
        contract,
        "ServerContractInvalidStorageUntil",
        [storageUntil],
      );
    }
    const next = (await now()) + 5n;
    const quote = await makeQuote({ client: alice.account.address, storageUntil: next + 1n });
    const sig = await signQuote(quote);
    await networkHelpers.time.setNextBlockTimestamp(next);
    await contract.write.pay([quote, sig], { account: alice.account, value: quote.price });
  });

  it("rejects a size above MAX_FILE_SIZE (ServerContractInvalidSize)", async () => {
    const { viem, contract, owner, alice, makeQuote, signQuote } = await deployFixture();
    await contract.write.registerClient([alice.account.address], { account: owner.account });
    for (const size of [MAX_FILE_SIZE + 1n, 2n ** 64n - 1n]) {
      const quote = await makeQuote({ client: alice.account.address, size });
      await viem.assertions.revertWithCustomErrorWithArgs(
        contract.write.pay([quote, await signQuote(quote)], { account: alice.account, value: quote.price }),
        contract,
        "ServerContractInvalidSize",
        [size],
      );
    }
  });

  it("rejects a replayed order id (ServerContractOrderExists), whatever the other terms", async () => {
    const f = await deployFixture();
    const { viem, contract, alice, bob, paidOrder, makeQuote, signQuote, owner } = f;
    const quote = await paidOrder(alice);
    const sig = await signQuote(quote);
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.pay([quote, sig], { account: alice.account, value: quote.price }),
      contract,
      "ServerContractOrderExists",
      [quote.orderId],
    );
    // a fresh signed quote reusing the id, even for another client, is refused too
    await contract.write.registerClient([bob.account.address], { account: owner.account });
    const reuse = await makeQuote({ client: bob.account.address, orderId: quote.orderId });
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.pay([reuse, await signQuote(reuse)], { account: bob.account, value: reuse.price }),
      contract,
      "ServerContractOrderExists",
      [quote.orderId],
    );
    // and after the order ended (refunded) the id stays used
    await disputeAndRefund(f, quote);
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.pay([quote, sig], { account: alice.account, value: quote.price }),
      contract,
      "ServerContractOrderExists",
      [quote.orderId],
    );
  });

  it("rejects a payment that is not exactly the price (ServerContractIncorrectPayment)", async () => {
    const { viem, contract, owner, alice, makeQuote, signQuote } = await deployFixture();
    await contract.write.registerClient([alice.account.address], { account: owner.account });
    const quote = await makeQuote({ client: alice.account.address });
    const sig = await signQuote(quote);
    for (const value of [0n, quote.price - 1n, quote.price + 1n, quote.price * 2n]) {
      await viem.assertions.revertWithCustomErrorWithArgs(
        contract.write.pay([quote, sig], { account: alice.account, value }),
        contract,
        "ServerContractIncorrectPayment",
        [quote.price, value],
      );
    }
  });

  it("rejects a quote signed by someone other than the signer (ServerContractInvalidQuoteSignature)", async () => {
    const { viem, contract, owner, alice, stranger, makeQuote, signQuote } = await deployFixture();
    await contract.write.registerClient([alice.account.address], { account: owner.account });
    const quote = await makeQuote({ client: alice.account.address });
    for (const who of [stranger, owner, alice]) {
      await viem.assertions.revertWithCustomErrorWithArgs(
        contract.write.pay([quote, await signQuote(quote, who)], { account: alice.account, value: quote.price }),
        contract,
        "ServerContractInvalidQuoteSignature",
        [getAddress(who.account.address)],
      );
    }
  });

  it("rejects a quote signed for another chain id", async () => {
    const { viem, contract, owner, alice, makeQuote, signQuote, domain } = await deployFixture();
    await contract.write.registerClient([alice.account.address], { account: owner.account });
    const quote = await makeQuote({ client: alice.account.address });
    const otherDomain = { ...domain, chainId: domain.chainId + 1 };
    const sig = await signQuote(quote, undefined, otherDomain);
    // the contract recovers some unrelated address from the digest for its own chain
    const recovered = await recoverTypedDataAddress({ ...quoteTypedData({ domain, quote }), signature: sig });
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.pay([quote, sig], { account: alice.account, value: quote.price }),
      contract,
      "ServerContractInvalidQuoteSignature",
      [recovered],
    );
  });

  it("rejects a quote signed for another ServerContract (and that one accepts it)", async () => {
    const { viem, contract, owner, alice, signer, makeQuote, signQuote, domain, params } = await deployFixture();
    const other = await viem.deployContract("ServerContract", [signer.account.address, params], {
      client: { wallet: owner },
      value: INITIAL_STAKE,
    });
    await contract.write.registerClient([alice.account.address], { account: owner.account });
    await other.write.registerClient([alice.account.address], { account: owner.account });
    const quote = await makeQuote({ client: alice.account.address });
    const sigForOther = await signQuote(quote, signer, { ...domain, verifyingContract: other.address });
    await viem.assertions.revertWithCustomError(
      contract.write.pay([quote, sigForOther], { account: alice.account, value: quote.price }),
      contract,
      "ServerContractInvalidQuoteSignature",
    );
    await other.write.pay([quote, sigForOther], { account: alice.account, value: quote.price });
    assert.equal((await other.read.orderOf([quote.orderId]))[0], OrderState.Paid);
  });

  it("rejects a quote modified after signing, whichever field is changed", async () => {
    const { viem, contract, owner, alice, makeQuote, signQuote } = await deployFixture();
    await contract.write.registerClient([alice.account.address], { account: owner.account });
    const quote = await makeQuote({ client: alice.account.address });
    const sig = await signQuote(quote);
    const modified: Quote[] = [
      { ...quote, orderId: keccak256(toHex("another id")) },
      { ...quote, fileRoot: keccak256(toHex("another file")) },
      { ...quote, size: quote.size + 1n },
      { ...quote, price: quote.price - 1n },
      { ...quote, fine: 0n },
      { ...quote, storageUntil: quote.storageUntil + 1n },
      { ...quote, expiresAt: quote.expiresAt + 1n },
    ];
    for (const q of modified) {
      await viem.assertions.revertWithCustomError(
        contract.write.pay([q, sig], { account: alice.account, value: q.price }),
        contract,
        "ServerContractInvalidQuoteSignature",
      );
    }
  });

  it("rejects malformed signatures with the ECDSA library errors", async () => {
    const { viem, contract, owner, alice, makeQuote, signQuote } = await deployFixture();
    await contract.write.registerClient([alice.account.address], { account: owner.account });
    const quote = await makeQuote({ client: alice.account.address });
    const sig = await signQuote(quote);
    await viem.assertions.revertWithCustomError(
      contract.write.pay([quote, "0x"], { account: alice.account, value: quote.price }),
      contract,
      "ECDSAInvalidSignatureLength",
    );
    // high-s malleated signature
    const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
    const s = BigInt(`0x${sig.slice(66, 130)}`);
    const v = Number.parseInt(sig.slice(130, 132), 16);
    const malleated = `${sig.slice(0, 66)}${(n - s).toString(16).padStart(64, "0")}${(v === 27 ? 28 : 27).toString(16)}` as Hex;
    await viem.assertions.revertWithCustomError(
      contract.write.pay([quote, malleated], { account: alice.account, value: quote.price }),
      contract,
      "ECDSAInvalidSignatureS",
    );
  });

  it("rejects a fine larger than the free stake (ServerContractInsufficientFreeStake)", async () => {
    const { viem, contract, alice, paidOrder, makeQuote, signQuote } = await deployFixture();
    const first = await paidOrder(alice, { fine: parseEther("6") });
    const free = INITIAL_STAKE - first.fine;
    const quote = await makeQuote({ client: alice.account.address, fine: free + 1n });
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.pay([quote, await signQuote(quote)], { account: alice.account, value: quote.price }),
      contract,
      "ServerContractInsufficientFreeStake",
      [free + 1n, free],
    );
    // exactly the free stake is fine
    const exact = await makeQuote({ client: alice.account.address, fine: free });
    await contract.write.pay([exact, await signQuote(exact)], { account: alice.account, value: exact.price });
    assert.deepEqual(await contract.read.stake(), [INITIAL_STAKE, INITIAL_STAKE]);
  });
});

describe("ServerContract: amounts beyond the packed balances", () => {
  it("a price above 2^96-1 wei is refused at payment (ServerContractAmountOverflow), nothing changes", async () => {
    const f = await deployFixture();
    const { viem, contract, alice, owner, networkHelpers, now, makeQuote, signQuote, publicClient } = f;
    const price = 2n ** 96n;
    await networkHelpers.setBalance(alice.account.address, price * 2n);
    await contract.write.registerClient([alice.account.address], { account: owner.account });
    const quote = await makeQuote({ client: alice.account.address, price, storageUntil: (await now()) + 1000n });
    const balanceBefore = await publicClient.getBalance({ address: contract.address });
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.pay([quote, await signQuote(quote)], { account: alice.account, value: price }),
      contract,
      "ServerContractAmountOverflow",
      [price],
    );
    assert.equal(await publicClient.getBalance({ address: contract.address }), balanceBefore);
    assert.deepEqual((await contract.read.orderOf([quote.orderId]))[0], 0);
    assert.deepEqual(await contract.read.stake(), [INITIAL_STAKE, 0n]);
  });
});

// ───────────────────────────── settle ──────────────────────────────

describe("ServerContract.settle", () => {
  it("is too early before paidAt + settleDelay, then moves the price to the provider (anyone may call)", async () => {
    const f = await deployFixture();
    const { viem, contract, alice, stranger, owner, paidOrder, networkHelpers, params } = f;
    const quote = await paidOrder(alice);
    const [, , paidAt] = await contract.read.orderOf([quote.orderId]);
    const availableAt = paidAt + params.settleDelay;
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.settle([quote], { account: stranger.account }),
      contract,
      "ServerContractTooEarly",
      [availableAt],
    );
    await networkHelpers.time.setNextBlockTimestamp(availableAt - 1n);
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.settle([quote], { account: stranger.account }),
      contract,
      "ServerContractTooEarly",
      [availableAt],
    );
    await networkHelpers.time.setNextBlockTimestamp(availableAt);
    await viem.assertions.emitWithArgs(
      contract.write.settle([quote], { account: stranger.account }),
      contract,
      "OrderSettled",
      [quote.orderId, quote.price],
    );
    const [state, settled] = await contract.read.orderOf([quote.orderId]);
    assert.equal(state, OrderState.Settled);
    assert.equal(settled, true);
    assert.equal(await contract.read.withdrawable([owner.account.address]), quote.price);
    // the fine stays locked until release
    assert.deepEqual(await contract.read.stake(), [INITIAL_STAKE, quote.fine]);
  });

  it("rejects settling twice or while a dispute is open (ServerContractInvalidState)", async () => {
    const { viem, contract, alice, paidOrder, networkHelpers, params } = await deployFixture();
    const quote = await paidOrder(alice);
    const disputed = await paidOrder(alice);
    await contract.write.disputeDelivery([disputed], { account: alice.account });
    await networkHelpers.time.increase(params.settleDelay);
    await contract.write.settle([quote]);
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.settle([quote]),
      contract,
      "ServerContractInvalidState",
      [quote.orderId, OrderState.Settled],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.settle([disputed]),
      contract,
      "ServerContractInvalidState",
      [disputed.orderId, OrderState.DeliveryDisputed],
    );
  });

  it("rejects an unknown order (ServerContractUnknownOrder)", async () => {
    const { viem, contract, alice, makeQuote } = await deployFixture();
    const quote = await makeQuote({ client: alice.account.address });
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.settle([quote]),
      contract,
      "ServerContractUnknownOrder",
      [quote.orderId],
    );
  });

  it("rejects a quote whose terms differ from the paid one (ServerContractTermsMismatch), field by field", async () => {
    const { viem, contract, alice, bob, paidOrder, networkHelpers, params } = await deployFixture();
    const quote = await paidOrder(alice);
    await networkHelpers.time.increase(params.settleDelay);
    const altered: Quote[] = [
      { ...quote, client: bob.account.address },
      { ...quote, fileRoot: keccak256(toHex("other")) },
      { ...quote, size: quote.size + 1n },
      { ...quote, price: quote.price * 10n },
      { ...quote, fine: quote.fine - 1n },
      { ...quote, storageUntil: quote.storageUntil - 1n },
      { ...quote, expiresAt: quote.expiresAt + 1n },
    ];
    for (const q of altered) {
      await viem.assertions.revertWithCustomErrorWithArgs(
        contract.write.settle([q]),
        contract,
        "ServerContractTermsMismatch",
        [quote.orderId],
      );
    }
    const otherId = { ...quote, orderId: keccak256(toHex("x")) };
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.settle([otherId]),
      contract,
      "ServerContractUnknownOrder",
      [otherId.orderId],
    );
    await contract.write.settle([quote]);
  });

  it("every function taking a quote checks it against the commitment", async () => {
    const f = await deployFixture();
    const { viem, contract, alice, owner } = f;
    const order = await storedOrder(f);
    const bad = { ...order.quote, price: 1n };
    const calls = [
      contract.write.disputeDelivery([bad], { account: alice.account }),
      contract.write.publishReceipt([bad, LINK, order.sigma]),
      contract.write.refund([bad], { account: owner.account }),
      contract.write.challengeStorage([bad, LINK, order.sigma, [0n]], { account: alice.account, value: f.params.challengeBond }),
      contract.write.claimPenalty([bad], { account: alice.account }),
      contract.write.release([bad]),
    ];
    for (const call of calls) {
      await viem.assertions.revertWithCustomErrorWithArgs(call, contract, "ServerContractTermsMismatch", [
        order.quote.orderId,
      ]);
    }
  });
});

// ───────────────────── disputeDelivery / publishReceipt ─────────────────────

describe("ServerContract.disputeDelivery", () => {
  it("opens a responseWindow deadline; client only; only from Paid", async () => {
    const f = await deployFixture();
    const { viem, contract, alice, bob, owner, paidOrder, params, networkHelpers, now } = f;
    const quote = await paidOrder(alice);
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.disputeDelivery([quote], { account: bob.account }),
      contract,
      "ServerContractUnauthorized",
      [getAddress(bob.account.address)],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.disputeDelivery([quote], { account: owner.account }),
      contract,
      "ServerContractUnauthorized",
      [getAddress(owner.account.address)],
    );
    const t = (await now()) + 7n;
    await networkHelpers.time.setNextBlockTimestamp(t);
    await viem.assertions.emitWithArgs(
      contract.write.disputeDelivery([quote], { account: alice.account }),
      contract,
      "DeliveryDisputed",
      [quote.orderId, t + params.responseWindow],
    );
    assert.equal(await stateOf(f, quote.orderId), OrderState.DeliveryDisputed);
    assert.deepEqual((await contract.read.pendingOf([quote.orderId])).slice(0, 3), [t + params.responseWindow, 0n, 0n]);
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.disputeDelivery([quote], { account: alice.account }),
      contract,
      "ServerContractInvalidState",
      [quote.orderId, OrderState.DeliveryDisputed],
    );
    // not after settlement
    const settledQuote = await paidOrder(alice);
    await networkHelpers.time.increase(params.settleDelay);
    await contract.write.settle([settledQuote]);
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.disputeDelivery([settledQuote], { account: alice.account }),
      contract,
      "ServerContractInvalidState",
      [settledQuote.orderId, OrderState.Settled],
    );
    const unknown = await f.makeQuote({ client: alice.account.address });
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.disputeDelivery([unknown], { account: alice.account }),
      contract,
      "ServerContractUnknownOrder",
      [unknown.orderId],
    );
  });

  it("is refused once σ was published (ServerContractAlreadyDelivered), nothing changes", async () => {
    const f = await deployFixture();
    const { viem, contract, alice, bob, paidOrder, signReceipt, networkHelpers, params } = f;
    const quote = await paidOrder(alice);
    await contract.write.disputeDelivery([quote], { account: alice.account });
    await contract.write.publishReceipt([quote, LINK, await signReceipt(quote, LINK)]);
    assert.equal(await contract.read.isDelivered([quote.orderId]), true);
    assert.equal(await stateOf(f, quote.orderId), OrderState.Paid);

    const before = await chainState(f, [quote.orderId], alice);
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.disputeDelivery([quote], { account: alice.account, gas: GAS }),
      contract,
      "ServerContractAlreadyDelivered",
      [quote.orderId],
    );
    assert.deepEqual(await chainState(f, [quote.orderId], alice), before);
    // later too, and the sender check still comes first
    await networkHelpers.time.increase(params.responseWindow * 3n);
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.disputeDelivery([quote], { account: alice.account }),
      contract,
      "ServerContractAlreadyDelivered",
      [quote.orderId],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.disputeDelivery([quote], { account: bob.account }),
      contract,
      "ServerContractUnauthorized",
      [getAddress(bob.account.address)],
    );
    // the order settles normally; then the state check reports Settled
    await networkHelpers.time.increase(params.settleDelay);
    await contract.write.settle([quote]);
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.disputeDelivery([quote], { account: alice.account }),
      contract,
      "ServerContractInvalidState",
      [quote.orderId, OrderState.Settled],
    );
  });

  it("is refused once σ was shown in a storage challenge (ServerContractAlreadyDelivered)", async () => {
    const f = await deployFixture();
    const { viem, contract, alice } = f;
    const order = await storedOrder(f);
    const id = order.quote.orderId;
    const { index } = await challenge(f, order);
    assert.equal(await contract.read.isDelivered([id]), true);
    // while the challenge is open the state check comes first
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.disputeDelivery([order.quote], { account: alice.account }),
      contract,
      "ServerContractInvalidState",
      [id, OrderState.Challenged],
    );
    await respond(f, order, index);
    assert.equal(await stateOf(f, id), OrderState.Paid);
    const before = await chainState(f, [id], alice);
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.disputeDelivery([order.quote], { account: alice.account, gas: GAS }),
      contract,
      "ServerContractAlreadyDelivered",
      [id],
    );
    assert.deepEqual(await chainState(f, [id], alice), before);
  });

  it("a refused σ delivers nothing: the client may still dispute", async () => {
    const f = await deployFixture();
    const { viem, contract, alice, stranger, params } = f;
    const order = await storedOrder(f);
    const id = order.quote.orderId;
    const forged = await f.signReceipt(order.quote, LINK, stranger);
    await viem.assertions.revertWithCustomError(
      contract.write.challengeStorage([order.quote, LINK, forged, [0n]], { account: alice.account, value: params.challengeBond }),
      contract,
      "ServerContractInvalidReceiptSignature",
    );
    assert.equal(await contract.read.isDelivered([id]), false);
    await contract.write.disputeDelivery([order.quote], { account: alice.account });
    await viem.assertions.revertWithCustomError(
      contract.write.publishReceipt([order.quote, LINK, forged]),
      contract,
      "ServerContractInvalidReceiptSignature",
    );
    assert.equal(await contract.read.isDelivered([id]), false);
    assert.equal(await stateOf(f, id), OrderState.DeliveryDisputed);
    await contract.write.publishReceipt([order.quote, LINK, order.sigma]);
    assert.equal(await contract.read.isDelivered([id]), true);
  });
});

describe("ServerContract.publishReceipt", () => {
  it("closes a delivery dispute with σ submitted by anyone; the event carries the link", async () => {
    const f = await deployFixture();
    const { viem, contract, alice, stranger, paidOrder, signReceipt, networkHelpers, params } = f;
    const quote = await paidOrder(alice);
    await contract.write.disputeDelivery([quote], { account: alice.account });
    const sigma = await signReceipt(quote, LINK);
    await viem.assertions.emitWithArgs(
      contract.write.publishReceipt([quote, LINK, sigma], { account: stranger.account }),
      contract,
      "ReceiptPublished",
      [quote.orderId, LINK, sigma],
    );
    assert.equal(await stateOf(f, quote.orderId), OrderState.Paid);
    const [deadline] = await contract.read.pendingOf([quote.orderId]);
    assert.equal(deadline, 0n);
    // the order then settles normally and the client cannot claim a penalty
    await networkHelpers.time.increase(params.settleDelay + params.responseWindow);
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.claimPenalty([quote], { account: alice.account }),
      contract,
      "ServerContractInvalidState",
      [quote.orderId, OrderState.Paid],
    );
    await contract.write.settle([quote]);
  });

  it("is accepted at the deadline second; from deadline + 1 it is ServerContractTooLate and changes nothing", async () => {
    const f = await deployFixture();
    const { viem, contract, alice, stranger, owner, networkHelpers } = f;
    const quote = await f.paidOrder(alice);
    await contract.write.disputeDelivery([quote], { account: alice.account });
    const [deadline] = await contract.read.pendingOf([quote.orderId]);
    const sigma = await f.signReceipt(quote, LINK);
    const publish = () => contract.write.publishReceipt([quote, LINK, sigma], { account: stranger.account, gas: GAS });

    const snapshot = await networkHelpers.takeSnapshot();
    await acceptedAt(f, deadline, publish);
    assert.equal(await stateOf(f, quote.orderId), OrderState.Paid);
    assert.equal(await contract.read.isDelivered([quote.orderId]), true);
    assert.deepEqual((await contract.read.pendingOf([quote.orderId])).slice(0, 3), [0n, 0n, 0n]);
    await snapshot.restore();

    assert.equal(await contract.read.isDelivered([quote.orderId]), false);
    await assertRefusedAt(f, deadline + 1n, stranger, publish, "ServerContractTooLate", deadline, [quote.orderId]);
    await assertRefusedAt(f, deadline + 1000n, stranger, publish, "ServerContractTooLate", deadline, [quote.orderId]);
    // also from the owner, before the client claims
    await assertRefusedAt(
      f,
      deadline + 1001n,
      owner,
      () => contract.write.publishReceipt([quote, LINK, sigma], { account: owner.account, gas: GAS }),
      "ServerContractTooLate",
      deadline,
      [quote.orderId],
    );
    assert.equal(await stateOf(f, quote.orderId), OrderState.DeliveryDisputed);
    assert.equal(await contract.read.isDelivered([quote.orderId]), false);
    // the client's penalty is intact: price + fine
    await viem.assertions.emitWithArgs(
      contract.write.claimPenalty([quote], { account: alice.account }),
      contract,
      "PenaltyClaimed",
      [quote.orderId, getAddress(alice.account.address), quote.price + quote.fine],
    );
    await assertOnlyStakeLeft(f, [alice, owner]);
  });

  it("checks the state before the deadline, and the deadline before σ", async () => {
    const f = await deployFixture();
    const { viem, contract, alice, stranger, networkHelpers, params } = f;
    const quote = await f.paidOrder(alice);
    await contract.write.disputeDelivery([quote], { account: alice.account });
    const [deadline] = await contract.read.pendingOf([quote.orderId]);
    await networkHelpers.time.increaseTo(deadline + 1n);
    // an invalid σ after the deadline: TooLate, not InvalidReceiptSignature
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.publishReceipt([quote, LINK, await f.signReceipt(quote, LINK, stranger)]),
      contract,
      "ServerContractTooLate",
      [deadline],
    );
    await contract.write.claimPenalty([quote], { account: alice.account });
    await networkHelpers.time.increase(params.responseWindow);
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.publishReceipt([quote, LINK, await f.signReceipt(quote, LINK)]),
      contract,
      "ServerContractInvalidState",
      [quote.orderId, OrderState.Penalized],
    );
  });

  it("rejects σ not signed by the signer (ServerContractInvalidReceiptSignature)", async () => {
    const { viem, contract, alice, stranger, owner, paidOrder, signReceipt, domain } = await deployFixture();
    const quote = await paidOrder(alice);
    await contract.write.disputeDelivery([quote], { account: alice.account });
    for (const who of [stranger, owner, alice]) {
      await viem.assertions.revertWithCustomErrorWithArgs(
        contract.write.publishReceipt([quote, LINK, await signReceipt(quote, LINK, who)]),
        contract,
        "ServerContractInvalidReceiptSignature",
        [getAddress(who.account.address)],
      );
    }
    // σ for another link than the one submitted
    const sigma = await signReceipt(quote, LINK);
    const other = `${LINK}/other`;
    const recovered = await recoverTypedDataAddress({
      ...receiptTypedData({ domain, receipt: receiptFor({ quote, link: other }) }),
      signature: sigma,
    });
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.publishReceipt([quote, other, sigma]),
      contract,
      "ServerContractInvalidReceiptSignature",
      [recovered],
    );
    // σ signed for another chain
    const wrongChain = await signReceipt(quote, LINK, undefined, { ...domain, chainId: domain.chainId + 1 });
    await viem.assertions.revertWithCustomError(
      contract.write.publishReceipt([quote, LINK, wrongChain]),
      contract,
      "ServerContractInvalidReceiptSignature",
    );
    // malformed σ: reported as address(0), not as an ECDSA library error
    for (const bad of ["0x", `0x${"00".repeat(65)}`, flipByte(sigma, 64)] as Hex[]) {
      await viem.assertions.revertWithCustomErrorWithArgs(
        contract.write.publishReceipt([quote, LINK, bad]),
        contract,
        "ServerContractInvalidReceiptSignature",
        [zeroAddress],
      );
    }
    assert.equal((await contract.read.orderOf([quote.orderId]))[0], OrderState.DeliveryDisputed);
  });

  it("rejects σ when no delivery dispute is open (ServerContractInvalidState)", async () => {
    const { viem, contract, alice, paidOrder, signReceipt } = await deployFixture();
    const quote = await paidOrder(alice);
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.publishReceipt([quote, LINK, await signReceipt(quote, LINK)]),
      contract,
      "ServerContractInvalidState",
      [quote.orderId, OrderState.Paid],
    );
  });

  it("a retired signer's σ is accepted for orders paid before its rotation, rejected for orders paid after", async () => {
    const f = await deployFixture();
    const { viem, contract, alice, owner, signer, newSigner, makeQuote, signQuote, signReceipt, networkHelpers } = f;
    const before = await f.paidOrder(alice);
    const before2 = await f.paidOrder(alice);
    await networkHelpers.time.increase(5);
    await contract.write.rotateSigner([newSigner.account.address], { account: owner.account });
    await networkHelpers.time.increase(5);
    const after = await makeQuote({ client: alice.account.address });
    await contract.write.pay([after, await signQuote(after, newSigner)], { account: alice.account, value: after.price });

    await contract.write.disputeDelivery([before], { account: alice.account });
    await contract.write.disputeDelivery([before2], { account: alice.account });
    await contract.write.disputeDelivery([after], { account: alice.account });
    const beforeSigma = await signReceipt(before, LINK, signer);

    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.publishReceipt([after, LINK, await signReceipt(after, LINK, signer)]),
      contract,
      "ServerContractInvalidReceiptSignature",
      [getAddress(signer.account.address)],
    );
    await viem.assertions.emitWithArgs(
      contract.write.publishReceipt([before, LINK, beforeSigma]),
      contract,
      "ReceiptPublished",
      [before.orderId, LINK, beforeSigma],
    );
    // the current signer can answer for orders paid before and after the rotation
    await contract.write.publishReceipt([after, LINK, await signReceipt(after, LINK, newSigner)]);
    await contract.write.publishReceipt([before2, LINK, await signReceipt(before2, LINK, newSigner)]);
    for (const q of [before, before2, after]) {
      assert.equal(await stateOf(f, q.orderId), OrderState.Paid);
      assert.equal(await contract.read.isDelivered([q.orderId]), true);
    }
    // σ of either signer delivered the order: no second dispute
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.disputeDelivery([before], { account: alice.account }),
      contract,
      "ServerContractAlreadyDelivered",
      [before.orderId],
    );
  });

  it("v2: for an order paid in the very block of the rotation, before it, the old signer's σ still counts (finding 7)", async () => {
    // v1 voided this σ (retiredAt == paidAt counted as "paid after"); v2 orders by signer epoch,
    // i.e. by transaction order, so a payment mined before the rotation keeps its σ.
    const f = await deployFixture();
    const { viem, contract, alice, owner, signer, newSigner, makeQuote, signQuote, signReceipt, connection } = f;
    await contract.write.registerClient([alice.account.address], { account: owner.account });
    const quote = await makeQuote({ client: alice.account.address });
    const sig = await signQuote(quote, signer);
    await connection.provider.request({ method: "evm_setAutomine", params: [false] });
    let payHash: Hex;
    let rotateHash: Hex;
    try {
      payHash = await contract.write.pay([quote, sig], {
        account: alice.account,
        value: quote.price,
        gas: 300_000n,
        maxPriorityFeePerGas: 10n ** 9n,
      });
      rotateHash = await contract.write.rotateSigner([newSigner.account.address], {
        account: owner.account,
        gas: 300_000n,
        maxPriorityFeePerGas: 1n,
      });
      await f.networkHelpers.mine();
    } finally {
      await connection.provider.request({ method: "evm_setAutomine", params: [true] });
    }
    const payReceipt = await f.publicClient.getTransactionReceipt({ hash: payHash });
    const rotateReceipt = await f.publicClient.getTransactionReceipt({ hash: rotateHash });
    assert.equal(payReceipt.status, "success");
    assert.equal(rotateReceipt.status, "success");
    assert.equal(payReceipt.blockNumber, rotateReceipt.blockNumber);
    assert.ok(payReceipt.transactionIndex < rotateReceipt.transactionIndex);
    const [, , paidAt] = await contract.read.orderOf([quote.orderId]);
    assert.equal(await contract.read.signerRetiredAt([signer.account.address]), paidAt);

    assert.equal(await contract.read.acceptsReceiptSigner([quote.orderId, signer.account.address]), true);
    await contract.write.disputeDelivery([quote], { account: alice.account });
    const sigma = await signReceipt(quote, LINK, signer);
    await viem.assertions.emitWithArgs(
      contract.write.publishReceipt([quote, LINK, sigma]),
      contract,
      "ReceiptPublished",
      [quote.orderId, LINK, sigma],
    );
    void newSigner;
  });

  it("a signer that was never the signer gets no grace, and rotating back re-validates the old key", async () => {
    const f = await deployFixture();
    const { viem, contract, alice, owner, signer, newSigner, stranger, signReceipt, networkHelpers } = f;
    await networkHelpers.time.increase(5);
    await contract.write.rotateSigner([newSigner.account.address], { account: owner.account });
    // newSigner is current now; an order paid now under newSigner
    const q = await f.makeQuote({ client: alice.account.address });
    await contract.write.registerClient([alice.account.address], { account: owner.account });
    await contract.write.pay([q, await f.signQuote(q, newSigner)], { account: alice.account, value: q.price });
    await contract.write.disputeDelivery([q], { account: alice.account });
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.publishReceipt([q, LINK, await signReceipt(q, LINK, stranger)]),
      contract,
      "ServerContractInvalidReceiptSignature",
      [getAddress(stranger.account.address)],
    );
    // rotating back to the first signer: it is current again, its σ is accepted
    await contract.write.rotateSigner([signer.account.address], { account: owner.account });
    await contract.write.publishReceipt([q, LINK, await signReceipt(q, LINK, signer)]);
  });
});

// ───────────────────────────── refund ──────────────────────────────

describe("ServerContract.refund", () => {
  it("answering a delivery dispute: credits the client, unlocks the fine, emits OrderRefunded", async () => {
    const f = await deployFixture();
    const { viem, contract, alice, owner, paidOrder } = f;
    const quote = await paidOrder(alice);
    await contract.write.disputeDelivery([quote], { account: alice.account });
    await viem.assertions.emitWithArgs(
      contract.write.refund([quote], { account: owner.account }),
      contract,
      "OrderRefunded",
      [quote.orderId, quote.price],
    );
    assert.equal(await stateOf(f, quote.orderId), OrderState.Refunded);
    assert.deepEqual(await contract.read.stake(), [INITIAL_STAKE, 0n]);
    assert.equal(await contract.read.withdrawable([alice.account.address]), quote.price);
    assert.equal(await contract.read.withdrawable([owner.account.address]), 0n);
    await viem.assertions.balancesHaveChanged(contract.write.withdraw({ account: alice.account }), [
      { address: alice.account.address, amount: quote.price },
      { address: contract.address, amount: -quote.price },
    ]);
    await assertOnlyStakeLeft(f, [alice, owner]);
  });

  it("from DeliveryDisputed: closes the dispute so no penalty can be claimed", async () => {
    const f = await deployFixture();
    const { viem, contract, alice, owner, paidOrder, networkHelpers, params } = f;
    const quote = await paidOrder(alice);
    await contract.write.disputeDelivery([quote], { account: alice.account });
    await contract.write.refund([quote], { account: owner.account });
    assert.equal(await stateOf(f, quote.orderId), OrderState.Refunded);
    assert.equal((await contract.read.pendingOf([quote.orderId]))[0], 0n);
    assert.deepEqual(await contract.read.stake(), [INITIAL_STAKE, 0n]);
    assert.equal(await contract.read.withdrawable([alice.account.address]), quote.price);
    await networkHelpers.time.increase(params.responseWindow + 1n);
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.claimPenalty([quote], { account: alice.account }),
      contract,
      "ServerContractInvalidState",
      [quote.orderId, OrderState.Refunded],
    );
    await assertOnlyStakeLeft(f, [alice, owner]);
  });

  it("from DeliveryDisputed: accepted at the deadline second; from deadline + 1 ServerContractTooLate, nothing changes", async () => {
    const f = await deployFixture();
    const { viem, contract, alice, owner, networkHelpers } = f;
    const quote = await f.paidOrder(alice);
    await contract.write.disputeDelivery([quote], { account: alice.account });
    const [deadline] = await contract.read.pendingOf([quote.orderId]);
    const refund = () => contract.write.refund([quote], { account: owner.account, gas: GAS });

    const snapshot = await networkHelpers.takeSnapshot();
    await acceptedAt(f, deadline, refund);
    assert.equal(await stateOf(f, quote.orderId), OrderState.Refunded);
    assert.deepEqual((await contract.read.pendingOf([quote.orderId])).slice(0, 3), [0n, 0n, 0n]);
    assert.deepEqual(await contract.read.stake(), [INITIAL_STAKE, 0n]);
    assert.equal(await contract.read.withdrawable([alice.account.address]), quote.price);
    await snapshot.restore();

    await assertRefusedAt(f, deadline + 1n, owner, refund, "ServerContractTooLate", deadline, [quote.orderId]);
    await assertRefusedAt(f, deadline + 500n, owner, refund, "ServerContractTooLate", deadline, [quote.orderId]);
    assert.equal(await stateOf(f, quote.orderId), OrderState.DeliveryDisputed);
    assert.deepEqual(await contract.read.stake(), [INITIAL_STAKE, quote.fine]);
    assert.equal(await contract.read.withdrawable([alice.account.address]), 0n);
    // the refund cannot cut the penalty short: the client gets price + fine
    await viem.assertions.emitWithArgs(
      contract.write.claimPenalty([quote], { account: alice.account }),
      contract,
      "PenaltyClaimed",
      [quote.orderId, getAddress(alice.account.address), quote.price + quote.fine],
    );
    assert.deepEqual(await contract.read.stake(), [INITIAL_STAKE - quote.fine, 0n]);
    await assertOnlyStakeLeft(f, [alice, owner]);
  });

  it("the owner check comes before the deadline; a non-owner after the deadline gets OwnableUnauthorizedAccount", async () => {
    const f = await deployFixture();
    const { viem, contract, alice, stranger, networkHelpers } = f;
    const quote = await f.paidOrder(alice);
    await contract.write.disputeDelivery([quote], { account: alice.account });
    const [deadline] = await contract.read.pendingOf([quote.orderId]);
    await networkHelpers.time.increaseTo(deadline + 1n);
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.refund([quote], { account: stranger.account }),
      contract,
      "OwnableUnauthorizedAccount",
      [getAddress(stranger.account.address)],
    );
  });

  it("v2: from Paid it is refused (ServerContractInvalidState): after an answered dispute, long after payment or after storageUntil", async () => {
    const f = await deployFixture();
    const { contract, alice, owner, networkHelpers, params, now } = f;
    // σ published: back to Paid with no open deadline; long past the old deadline
    const answered = await f.paidOrder(alice, { storageUntil: (await now()) + 1000n });
    await contract.write.disputeDelivery([answered], { account: alice.account });
    const [oldDeadline] = await contract.read.pendingOf([answered.orderId]);
    await contract.write.publishReceipt([answered, LINK, await f.signReceipt(answered, LINK)]);
    const untouched = await f.paidOrder(alice, { storageUntil: (await now()) + 1000n });
    await networkHelpers.time.increaseTo(oldDeadline + params.responseWindow * 4n);
    await f.viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.refund([answered], { account: owner.account }),
      contract,
      "ServerContractInvalidState",
      [answered.orderId, OrderState.Paid],
    );
    await networkHelpers.time.increaseTo(untouched.storageUntil + 1n);
    await f.viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.refund([untouched], { account: owner.account }),
      contract,
      "ServerContractInvalidState",
      [untouched.orderId, OrderState.Paid],
    );
    assert.equal(await stateOf(f, answered.orderId), OrderState.Paid);
    assert.equal(await contract.read.withdrawable([alice.account.address]), 0n);
    assert.deepEqual(await contract.read.stake(), [INITIAL_STAKE, answered.fine + untouched.fine]);
  });

  it("is owner only, and impossible once settled, challenged or already refunded", async () => {
    const f = await deployFixture();
    const { viem, contract, alice, owner, signer, stranger, paidOrder, networkHelpers, params } = f;
    const quote = await paidOrder(alice);
    for (const who of [stranger, signer, alice]) {
      await viem.assertions.revertWithCustomErrorWithArgs(
        contract.write.refund([quote], { account: who.account }),
        contract,
        "OwnableUnauthorizedAccount",
        [getAddress(who.account.address)],
      );
    }
    await disputeAndRefund(f, quote);
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.refund([quote], { account: owner.account }),
      contract,
      "ServerContractInvalidState",
      [quote.orderId, OrderState.Refunded],
    );
    const order = await storedOrder(f);
    await challenge(f, order);
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.refund([order.quote], { account: owner.account }),
      contract,
      "ServerContractInvalidState",
      [order.quote.orderId, OrderState.Challenged],
    );
    const settled = await paidOrder(alice);
    await networkHelpers.time.increase(params.settleDelay);
    await contract.write.settle([settled]);
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.refund([settled], { account: owner.account }),
      contract,
      "ServerContractInvalidState",
      [settled.orderId, OrderState.Settled],
    );
  });
});

// ────────────────────────── challengeStorage ──────────────────────────

describe("ServerContract.challengeStorage", () => {
  it("takes the bond, records the named chunk index, opens a deadline and emits StorageChallenged", async () => {
    const f = await deployFixture();
    const { contract, alice, params, networkHelpers, now } = f;
    const order = await storedOrder(f);
    const t = (await now()) + 3n;
    await networkHelpers.time.setNextBlockTimestamp(t);
    const hash = await contract.write.challengeStorage([order.quote, LINK, order.sigma, [3n]], {
      account: alice.account,
      value: params.challengeBond,
    });
    const receipt = await f.publicClient.waitForTransactionReceipt({ hash });
    const [event] = await contract.getEvents.StorageChallenged({}, { blockHash: receipt.blockHash });
    assert.ok(event);
    assert.equal(event.args.orderId, order.quote.orderId);
    assert.equal(event.args.deadline, t + params.responseWindow);
    assert.deepEqual(event.args.chunkIndices, [3n]);
    const index = 3n;
    assert.equal(await stateOf(f, order.quote.orderId), OrderState.Challenged);
    assert.deepEqual((await contract.read.pendingOf([order.quote.orderId])).slice(0, 3), [t + params.responseWindow, t, index]);
    assert.equal(
      await f.publicClient.getBalance({ address: contract.address }),
      INITIAL_STAKE + order.quote.price + params.challengeBond,
    );
  });

  it("v2: the named index is used whatever prevrandao is (no on-chain randomness)", async () => {
    const f = await deployFixture();
    const { alice, networkHelpers, params } = f;
    const order = await storedOrder(f, alice, 64 * 1024);
    for (let i = 0; i < 3; i++) {
      await networkHelpers.setPrevRandao(BigInt(keccak256(toHex(`randao-${i}`))));
      const { index } = await challenge(f, order, 17);
      assert.equal(index, 17);
      await respond(f, order, index);
      await networkHelpers.time.increase(params.challengeCooldown);
    }
  });

  it("is client only: another client challenging someone else's order gets ServerContractUnauthorized", async () => {
    const f = await deployFixture();
    const { viem, contract, bob, stranger, owner, params } = f;
    const order = await storedOrder(f);
    await f.paidOrder(bob); // bob is a registered client with his own order
    for (const who of [bob, stranger, owner]) {
      await viem.assertions.revertWithCustomErrorWithArgs(
        contract.write.challengeStorage([order.quote, LINK, order.sigma, [0n]], {
          account: who.account,
          value: params.challengeBond,
        }),
        contract,
        "ServerContractUnauthorized",
        [getAddress(who.account.address)],
      );
    }
  });

  it("requires exactly the bond (ServerContractIncorrectPayment)", async () => {
    const f = await deployFixture();
    const { viem, contract, alice, params } = f;
    const order = await storedOrder(f);
    for (const value of [0n, params.challengeBond - 1n, params.challengeBond + 1n]) {
      await viem.assertions.revertWithCustomErrorWithArgs(
        contract.write.challengeStorage([order.quote, LINK, order.sigma, [0n]], { account: alice.account, value }),
        contract,
        "ServerContractIncorrectPayment",
        [params.challengeBond, value],
      );
    }
  });

  it("is too late at and after storageUntil (ServerContractTooLate)", async () => {
    const f = await deployFixture();
    const { viem, contract, alice, params, networkHelpers, now } = f;
    const order = await storedOrder(f, alice, 4196, { storageUntil: (await now()) + 500n });
    await networkHelpers.time.setNextBlockTimestamp(order.quote.storageUntil);
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.challengeStorage([order.quote, LINK, order.sigma, [0n]], {
        account: alice.account,
        value: params.challengeBond,
      }),
      contract,
      "ServerContractTooLate",
      [order.quote.storageUntil],
    );
    await networkHelpers.time.increase(1000);
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.challengeStorage([order.quote, LINK, order.sigma, [0n]], {
        account: alice.account,
        value: params.challengeBond,
      }),
      contract,
      "ServerContractTooLate",
      [order.quote.storageUntil],
    );
  });

  it("is accepted one second before storageUntil", async () => {
    const f = await deployFixture();
    const order = await storedOrder(f, f.alice, 4196, { storageUntil: (await f.now()) + 500n });
    await f.networkHelpers.time.setNextBlockTimestamp(order.quote.storageUntil - 1n);
    await challenge(f, order);
    assert.equal(await stateOf(f, order.quote.orderId), OrderState.Challenged);
  });

  it("allows one open challenge per order (ServerContractInvalidState) and enforces the cooldown", async () => {
    const f = await deployFixture();
    const { viem, contract, alice, params, networkHelpers } = f;
    const order = await storedOrder(f);
    const first = await challenge(f, order);
    await networkHelpers.time.increase(params.challengeCooldown + 1n);
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.challengeStorage([order.quote, LINK, order.sigma, [0n]], {
        account: alice.account,
        value: params.challengeBond,
      }),
      contract,
      "ServerContractInvalidState",
      [order.quote.orderId, OrderState.Challenged],
    );
    await respond(f, order, first.index);

    // a new challenge right after a quick answer: cooldown counted from the previous challenge
    const second = await challenge(f, order);
    await respond(f, order, second.index);
    const availableAt = second.lastChallengeAt + params.challengeCooldown;
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.challengeStorage([order.quote, LINK, order.sigma, [0n]], {
        account: alice.account,
        value: params.challengeBond,
      }),
      contract,
      "ServerContractChallengeCooldown",
      [availableAt],
    );
    await networkHelpers.time.setNextBlockTimestamp(availableAt - 1n);
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.challengeStorage([order.quote, LINK, order.sigma, [0n]], {
        account: alice.account,
        value: params.challengeBond,
      }),
      contract,
      "ServerContractChallengeCooldown",
      [availableAt],
    );
    await networkHelpers.time.setNextBlockTimestamp(availableAt);
    const third = await challenge(f, order);
    assert.equal(third.lastChallengeAt, availableAt);
  });

  it("with a zero cooldown, challenges can follow each other immediately", async () => {
    const f = await deployFixture({ params: { ...testParams, challengeCooldown: 0n } });
    const order = await storedOrder(f);
    for (let i = 0; i < 3; i++) {
      const { index } = await challenge(f, order);
      await respond(f, order, index);
    }
  });

  it("rejects σ not signed by the signer, and σ for another link", async () => {
    const f = await deployFixture();
    const { viem, contract, alice, stranger, params, signReceipt } = f;
    const order = await storedOrder(f);
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.challengeStorage([order.quote, LINK, await signReceipt(order.quote, LINK, stranger), [0n]], {
        account: alice.account,
        value: params.challengeBond,
      }),
      contract,
      "ServerContractInvalidReceiptSignature",
      [getAddress(stranger.account.address)],
    );
    // the client forging σ itself does not work either
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.challengeStorage([order.quote, LINK, await signReceipt(order.quote, LINK, alice), [0n]], {
        account: alice.account,
        value: params.challengeBond,
      }),
      contract,
      "ServerContractInvalidReceiptSignature",
      [getAddress(alice.account.address)],
    );
    await viem.assertions.revertWithCustomError(
      contract.write.challengeStorage([order.quote, "https://elsewhere", order.sigma, [0n]], {
        account: alice.account,
        value: params.challengeBond,
      }),
      contract,
      "ServerContractInvalidReceiptSignature",
    );
  });

  it("accepts a retired signer's σ for an order paid before the rotation", async () => {
    const f = await deployFixture();
    const order = await storedOrder(f);
    await f.networkHelpers.time.increase(5);
    await f.contract.write.rotateSigner([f.newSigner.account.address], { account: f.owner.account });
    const { index } = await challenge(f, order); // order.sigma is from the retired signer
    await respond(f, order, index);
  });

  it("is only possible from Paid or Settled", async () => {
    const f = await deployFixture();
    const { viem, contract, alice, owner, params } = f;
    const disputed = await storedOrder(f);
    await contract.write.disputeDelivery([disputed.quote], { account: alice.account });
    const refunded = await storedOrder(f);
    await disputeAndRefund(f, refunded.quote);
    for (const [order, state] of [
      [disputed, OrderState.DeliveryDisputed],
      [refunded, OrderState.Refunded],
    ] as const) {
      await viem.assertions.revertWithCustomErrorWithArgs(
        contract.write.challengeStorage([order.quote, LINK, order.sigma, [0n]], {
          account: alice.account,
          value: params.challengeBond,
        }),
        contract,
        "ServerContractInvalidState",
        [order.quote.orderId, state],
      );
    }
  });
});

// ─────────────────────────── respondStorage ───────────────────────────

describe("ServerContract.respondStorage", () => {
  it("accepts the right chunk and proof (from anyone): bond to the provider, back to Paid", async () => {
    const f = await deployFixture();
    const { viem, contract, owner, stranger, params } = f;
    const order = await storedOrder(f);
    const { index } = await challenge(f, order);
    await viem.assertions.emitWithArgs(
      respond(f, order, index, stranger),
      contract,
      "StorageProven",
      [order.quote.orderId, order.file.root, [BigInt(index)], params.challengeBond, 0n],
    );
    assert.equal(await stateOf(f, order.quote.orderId), OrderState.Paid);
    const [deadline, lastChallengeAt, chunkIndex] = await contract.read.pendingOf([order.quote.orderId]);
    assert.equal(deadline, 0n);
    assert.ok(lastChallengeAt > 0n);
    assert.equal(chunkIndex, BigInt(index));
    assert.equal(await contract.read.withdrawable([owner.account.address]), params.challengeBond);
    await viem.assertions.revertWithCustomErrorWithArgs(
      respond(f, order, index),
      contract,
      "ServerContractInvalidState",
      [order.quote.orderId, OrderState.Paid],
    );
  });

  it("returns a settled order to Settled", async () => {
    const f = await deployFixture();
    const order = await storedOrder(f);
    await f.networkHelpers.time.increase(f.params.settleDelay);
    await f.contract.write.settle([order.quote]);
    const { index } = await challenge(f, order);
    await respond(f, order, index);
    assert.deepEqual((await f.contract.read.orderOf([order.quote.orderId])).slice(0, 2), [OrderState.Settled, true]);
    assert.equal(
      await f.contract.read.withdrawable([f.owner.account.address]),
      order.quote.price + f.params.challengeBond,
    );
  });

  it("rejects when nothing is challenged (ServerContractInvalidState)", async () => {
    const f = await deployFixture();
    const order = await storedOrder(f);
    await f.viem.assertions.revertWithCustomErrorWithArgs(
      respond(f, order, 0),
      f.contract,
      "ServerContractInvalidState",
      [order.quote.orderId, OrderState.Paid],
    );
    const unknownId = keccak256(toHex("nope"));
    await f.viem.assertions.revertWithCustomErrorWithArgs(
      f.contract.write.respondStorage([unknownId, 0n, ["0x"], [[]], f.alice.account.address]),
      f.contract,
      "ServerContractInvalidState",
      [unknownId, OrderState.None],
    );
  });

  it("rejects wrong chunks, wrong proofs, proofs for another file and a wrong size", async () => {
    const f = await deployFixture();
    const { viem, contract } = f;
    const order = await storedOrder(f, f.alice, 5 * 1024 + 300); // 6 chunks, last one short
    const { index } = await challenge(f, order);
    const id = order.quote.orderId;
    const size = order.quote.size;
    const chunk = order.file.chunk(index);
    const proof = order.file.proof(index);
    const other = (index + 1) % order.file.chunkCount;
    const expectFail = async (
      args: readonly [Hex, bigint, Hex, Hex[]],
      error: "ServerContractInvalidChunk" | "ServerContractInvalidProof",
    ) =>
      viem.assertions.revertWithCustomErrorWithArgs(
        contract.write.respondStorage([args[0], args[1], [args[2]], [args[3]], order.client.account.address]),
        contract,
        error,
        [id],
      );

    // the chunk of another index (with its own valid proof)
    if (order.file.chunk(other).length === chunk.length) {
      await expectFail([id, size, order.file.chunk(other), order.file.proof(other)], "ServerContractInvalidProof");
    } else {
      await expectFail([id, size, order.file.chunk(other), order.file.proof(other)], "ServerContractInvalidChunk");
    }
    // the right proof, a corrupted chunk
    await expectFail([id, size, flipByte(chunk, 0), proof], "ServerContractInvalidProof");
    await expectFail([id, size, flipByte(chunk, (chunk.length - 2) / 2 - 1), proof], "ServerContractInvalidProof");
    // chunk with a byte more or less
    await expectFail([id, size, `${chunk}00`, proof], "ServerContractInvalidChunk");
    await expectFail([id, size, chunk.slice(0, -2) as Hex, proof], "ServerContractInvalidChunk");
    // each proof element corrupted in turn
    for (let i = 0; i < proof.length; i++) {
      const bad = proof.slice();
      bad[i] = flipByte(bad[i]!, 31);
      await expectFail([id, size, chunk, bad], "ServerContractInvalidProof");
    }
    // proof truncated, extended, reordered
    await expectFail([id, size, chunk, proof.slice(0, -1)], "ServerContractInvalidProof");
    await expectFail([id, size, chunk, [...proof, proof[0]!]], "ServerContractInvalidProof");
    await expectFail([id, size, chunk, []], "ServerContractInvalidProof");
    if (proof.length > 1) await expectFail([id, size, chunk, proof.slice().reverse()], "ServerContractInvalidProof");
    // a valid chunk + proof of another file of the same size
    const otherFile = makeFile(Number(size));
    await expectFail([id, size, otherFile.chunk(index), otherFile.proof(index)], "ServerContractInvalidProof");
    // a wrong size: with the true chunk and proof, a size one byte off
    const sizeErr = index === order.file.chunkCount - 1 ? "ServerContractInvalidChunk" : "ServerContractInvalidProof";
    await expectFail([id, size + 1n, chunk, proof], sizeErr);
    await expectFail([id, size - 1n, chunk, proof], sizeErr);
    // a size that puts the index out of range
    await expectFail([id, 0n, chunk, proof], "ServerContractInvalidChunk");
    // a self-consistent proof for a different (truncated) file containing the same chunk: the root
    // tag binds the size, so this is refused
    const truncatedSize = Math.min(Number(size), (index + 1) * 1024);
    const truncated = order.file.data.subarray(0, truncatedSize);
    if (truncatedSize !== Number(size)) {
      await expectFail(
        [id, BigInt(truncatedSize), chunk, merkleProof(truncated, index)],
        "ServerContractInvalidProof",
      );
    }
    // still challenged; the right answer is accepted
    assert.equal(await stateOf(f, id), OrderState.Challenged);
    await respond(f, order, index);
  });

  it("is accepted at the deadline second; from deadline + 1 it is ServerContractTooLate and changes nothing", async () => {
    const f = await deployFixture();
    const { viem, contract, alice, owner, signer, networkHelpers, params } = f;
    const order = await storedOrder(f);
    const id = order.quote.orderId;
    const { index, deadline } = await challenge(f, order);
    const answer = (by: Wallet) => () =>
      contract.write.respondStorage([id, order.quote.size, [order.file.chunk(index)], [order.file.proof(index)], order.client.account.address], {
        account: by.account,
        gas: GAS,
      });

    const snapshot = await networkHelpers.takeSnapshot();
    await acceptedAt(f, deadline, answer(signer));
    assert.equal(await stateOf(f, id), OrderState.Paid);
    assert.equal(await contract.read.withdrawable([owner.account.address]), params.challengeBond);
    await snapshot.restore();

    await assertRefusedAt(f, deadline + 1n, signer, answer(signer), "ServerContractTooLate", deadline, [id]);
    await assertRefusedAt(f, deadline + 2n, owner, answer(owner), "ServerContractTooLate", deadline, [id]);
    await assertRefusedAt(f, deadline + 5000n, signer, answer(signer), "ServerContractTooLate", deadline, [id]);
    // the bond is still held, the fine still locked, the provider earned nothing
    assert.equal(await stateOf(f, id), OrderState.Challenged);
    assert.deepEqual((await contract.read.pendingOf([id])).slice(0, 3), [deadline, deadline - params.responseWindow, BigInt(index)]);
    assert.equal(await contract.read.withdrawable([owner.account.address]), 0n);
    assert.deepEqual(await contract.read.stake(), [INITIAL_STAKE, order.quote.fine]);
    assert.equal(
      await f.publicClient.getBalance({ address: contract.address }),
      INITIAL_STAKE + order.quote.price + params.challengeBond,
    );
    // an invalid answer after the deadline is reported as TooLate too (checked before the proof)
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.respondStorage([id, order.quote.size, ["0x"], [[]], order.client.account.address]),
      contract,
      "ServerContractTooLate",
      [deadline],
    );
    await viem.assertions.emitWithArgs(
      contract.write.claimPenalty([order.quote], { account: alice.account }),
      contract,
      "PenaltyClaimed",
      [id, getAddress(alice.account.address), order.quote.price + order.quote.fine + params.challengeBond],
    );
    await assertOnlyStakeLeft(f, [alice, owner]);
  });

  it("on a settled order a late answer is refused too; the penalty is fine + bond", async () => {
    const f = await deployFixture();
    const { contract, alice, owner, signer, networkHelpers, params } = f;
    const order = await storedOrder(f);
    await networkHelpers.time.increase(params.settleDelay);
    await contract.write.settle([order.quote]);
    const { index, deadline } = await challenge(f, order);
    await assertRefusedAt(
      f,
      deadline + 1n,
      signer,
      () =>
        contract.write.respondStorage(
          [order.quote.orderId, order.quote.size, [order.file.chunk(index)], [order.file.proof(index)], order.client.account.address],
          { account: signer.account, gas: GAS },
        ),
      "ServerContractTooLate",
      deadline,
      [order.quote.orderId],
    );
    assert.deepEqual((await contract.read.orderOf([order.quote.orderId])).slice(0, 2), [OrderState.Challenged, true]);
    await contract.write.claimPenalty([order.quote], { account: alice.account });
    assert.equal(await contract.read.withdrawable([alice.account.address]), order.quote.fine + params.challengeBond);
    assert.equal(await contract.read.withdrawable([owner.account.address]), order.quote.price);
    await assertOnlyStakeLeft(f, [alice, owner]);
  });
});

// ──────────────────────────── claimPenalty ────────────────────────────

describe("ServerContract.claimPenalty", () => {
  it("unanswered delivery dispute: price + fine to the client; stake total and locked drop by the fine", async () => {
    const f = await deployFixture();
    const { viem, contract, alice, owner, paidOrder, networkHelpers } = f;
    const quote = await paidOrder(alice);
    await contract.write.disputeDelivery([quote], { account: alice.account });
    const [deadline] = await contract.read.pendingOf([quote.orderId]);
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.claimPenalty([quote], { account: alice.account }),
      contract,
      "ServerContractTooEarly",
      [deadline + 1n],
    );
    await networkHelpers.time.setNextBlockTimestamp(deadline);
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.claimPenalty([quote], { account: alice.account }),
      contract,
      "ServerContractTooEarly",
      [deadline + 1n],
    );
    // (a reverted call mines no block: move past the deadline explicitly)
    await networkHelpers.time.setNextBlockTimestamp(deadline + 1n);
    const amount = quote.price + quote.fine;
    await viem.assertions.emitWithArgs(
      contract.write.claimPenalty([quote], { account: alice.account }),
      contract,
      "PenaltyClaimed",
      [quote.orderId, getAddress(alice.account.address), amount],
    );
    assert.equal(await stateOf(f, quote.orderId), OrderState.Penalized);
    assert.deepEqual((await contract.read.pendingOf([quote.orderId])).slice(0, 3), [0n, 0n, 0n]);
    assert.deepEqual(await contract.read.stake(), [INITIAL_STAKE - quote.fine, 0n]);
    assert.equal(await contract.read.withdrawable([alice.account.address]), amount);
    await viem.assertions.balancesHaveChanged(contract.write.withdraw({ account: alice.account }), [
      { address: alice.account.address, amount },
      { address: contract.address, amount: -amount },
    ]);
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.claimPenalty([quote], { account: alice.account }),
      contract,
      "ServerContractInvalidState",
      [quote.orderId, OrderState.Penalized],
    );
    await assertOnlyStakeLeft(f, [alice, owner]);
  });

  it("unanswered challenge on an unsettled order: price + fine + bond", async () => {
    const f = await deployFixture();
    const { viem, contract, alice, owner, params, networkHelpers } = f;
    const other = await f.paidOrder(alice, { fine: parseEther("1") }); // keeps some stake locked
    const order = await storedOrder(f);
    const { deadline } = await challenge(f, order);
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.claimPenalty([order.quote], { account: alice.account }),
      contract,
      "ServerContractTooEarly",
      [deadline + 1n],
    );
    await networkHelpers.time.setNextBlockTimestamp(deadline + 1n);
    const amount = order.quote.price + order.quote.fine + params.challengeBond;
    await viem.assertions.emitWithArgs(
      contract.write.claimPenalty([order.quote], { account: alice.account }),
      contract,
      "PenaltyClaimed",
      [order.quote.orderId, getAddress(alice.account.address), amount],
    );
    assert.deepEqual(await contract.read.stake(), [INITIAL_STAKE - order.quote.fine, other.fine]);
    assert.equal(await contract.read.withdrawable([alice.account.address]), amount);
    // the answer comes too late now
    await viem.assertions.revertWithCustomErrorWithArgs(
      respond(f, order, 0),
      contract,
      "ServerContractInvalidState",
      [order.quote.orderId, OrderState.Penalized],
    );
    await disputeAndRefund(f, other);
    await assertOnlyStakeLeft(f, [alice, owner]);
  });

  it("unanswered challenge on a settled order: fine + bond (the price stays with the provider)", async () => {
    const f = await deployFixture();
    const { viem, contract, alice, owner, params, networkHelpers } = f;
    const order = await storedOrder(f);
    await networkHelpers.time.increase(params.settleDelay);
    await contract.write.settle([order.quote]);
    const { deadline } = await challenge(f, order);
    await networkHelpers.time.increaseTo(deadline + 1n);
    const amount = order.quote.fine + params.challengeBond;
    await viem.assertions.emitWithArgs(
      contract.write.claimPenalty([order.quote], { account: alice.account }),
      contract,
      "PenaltyClaimed",
      [order.quote.orderId, getAddress(alice.account.address), amount],
    );
    assert.deepEqual(await contract.read.stake(), [INITIAL_STAKE - order.quote.fine, 0n]);
    assert.equal(await contract.read.withdrawable([alice.account.address]), amount);
    assert.equal(await contract.read.withdrawable([owner.account.address]), order.quote.price);
    await assertOnlyStakeLeft(f, [alice, owner]);
  });

  it("after a valid answer there is nothing to claim (ServerContractInvalidState)", async () => {
    const f = await deployFixture();
    const { viem, contract, alice, params, networkHelpers } = f;
    const order = await storedOrder(f);
    const { index } = await challenge(f, order);
    await respond(f, order, index);
    await networkHelpers.time.increase(params.responseWindow * 2n);
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.claimPenalty([order.quote], { account: alice.account }),
      contract,
      "ServerContractInvalidState",
      [order.quote.orderId, OrderState.Paid],
    );
  });

  it("is client only (ServerContractUnauthorized)", async () => {
    const f = await deployFixture();
    const { viem, contract, alice, bob, stranger, owner, paidOrder, networkHelpers, params } = f;
    const quote = await paidOrder(alice);
    await contract.write.disputeDelivery([quote], { account: alice.account });
    await networkHelpers.time.increase(params.responseWindow + 1n);
    for (const who of [stranger, bob, owner]) {
      await viem.assertions.revertWithCustomErrorWithArgs(
        contract.write.claimPenalty([quote], { account: who.account }),
        contract,
        "ServerContractUnauthorized",
        [getAddress(who.account.address)],
      );
    }
    await contract.write.claimPenalty([quote], { account: alice.account });
  });
});

// ─────────────────────────────── release ───────────────────────────────

describe("ServerContract.release", () => {
  it("is too early before storageUntil; then settles an unsettled price and unlocks the fine", async () => {
    const f = await deployFixture();
    const { viem, contract, alice, owner, stranger, paidOrder, networkHelpers, now } = f;
    const quote = await paidOrder(alice, { storageUntil: (await now()) + 1000n });
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.release([quote], { account: stranger.account }),
      contract,
      "ServerContractTooEarly",
      [quote.storageUntil],
    );
    await networkHelpers.time.setNextBlockTimestamp(quote.storageUntil - 1n);
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.release([quote], { account: stranger.account }),
      contract,
      "ServerContractTooEarly",
      [quote.storageUntil],
    );
    await networkHelpers.time.setNextBlockTimestamp(quote.storageUntil);
    await viem.assertions.emitWithArgs(
      contract.write.release([quote], { account: stranger.account }),
      contract,
      "OrderReleased",
      [quote.orderId],
    );
    assert.equal(await stateOf(f, quote.orderId), OrderState.Completed);
    assert.deepEqual(await contract.read.stake(), [INITIAL_STAKE, 0n]);
    assert.equal(await contract.read.withdrawable([owner.account.address]), quote.price);
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.release([quote]),
      contract,
      "ServerContractInvalidState",
      [quote.orderId, OrderState.Completed],
    );
    await assertOnlyStakeLeft(f, [alice, owner]);
  });

  it("an unsettled order with a storage period shorter than settleDelay waits for paidAt + settleDelay", async () => {
    const f = await deployFixture();
    const { viem, contract, alice, owner, stranger, networkHelpers, params, now } = f;
    const quote = await f.paidOrder(alice, { storageUntil: (await now()) + 10n });
    const [, , paidAt] = await contract.read.orderOf([quote.orderId]);
    const settleAt = paidAt + params.settleDelay;
    assert.ok(quote.storageUntil < settleAt);
    const release = () => contract.write.release([quote], { account: stranger.account, gas: GAS });
    // before storageUntil: storageUntil is reported (checked first)
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.release([quote], { account: stranger.account }),
      contract,
      "ServerContractTooEarly",
      [quote.storageUntil],
    );
    await assertRefusedAt(f, quote.storageUntil - 1n, stranger, release, "ServerContractTooEarly", quote.storageUntil, [quote.orderId]);
    // from storageUntil until the settle delay has passed: paidAt + settleDelay
    await assertRefusedAt(f, quote.storageUntil, stranger, release, "ServerContractTooEarly", settleAt, [quote.orderId]);
    await assertRefusedAt(f, settleAt - 1n, stranger, release, "ServerContractTooEarly", settleAt, [quote.orderId]);
    // the client's dispute window is intact up to then
    assert.equal(await stateOf(f, quote.orderId), OrderState.Paid);
    assert.deepEqual(await contract.read.stake(), [INITIAL_STAKE, quote.fine]);
    assert.equal(await contract.read.withdrawable([owner.account.address]), 0n);
    await networkHelpers.time.setNextBlockTimestamp(settleAt);
    await viem.assertions.emitWithArgs(release(), contract, "OrderReleased", [quote.orderId]);
    assert.equal((await f.publicClient.getBlock()).timestamp, settleAt);
    assert.equal(await stateOf(f, quote.orderId), OrderState.Completed);
    assert.equal(await contract.read.withdrawable([owner.account.address]), quote.price);
    assert.deepEqual(await contract.read.stake(), [INITIAL_STAKE, 0n]);
    await assertOnlyStakeLeft(f, [alice, owner]);
  });

  it("inside the settle delay a dispute is still possible after storageUntil; release then waits for it", async () => {
    const f = await deployFixture();
    const { viem, contract, alice, owner, networkHelpers, params, now } = f;
    const quote = await f.paidOrder(alice, { storageUntil: (await now()) + 5n });
    const [, , paidAt] = await contract.read.orderOf([quote.orderId]);
    await networkHelpers.time.increaseTo(quote.storageUntil + 1n);
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.release([quote]),
      contract,
      "ServerContractTooEarly",
      [paidAt + params.settleDelay],
    );
    await contract.write.disputeDelivery([quote], { account: alice.account });
    const [deadline] = await contract.read.pendingOf([quote.orderId]);
    assert.ok(deadline < paidAt + params.settleDelay);
    await networkHelpers.time.increaseTo(paidAt + params.settleDelay + 1n);
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.release([quote]),
      contract,
      "ServerContractInvalidState",
      [quote.orderId, OrderState.DeliveryDisputed],
    );
    // the provider stayed silent past the deadline
    await contract.write.claimPenalty([quote], { account: alice.account });
    assert.equal(await contract.read.withdrawable([alice.account.address]), quote.price + quote.fine);
    await assertOnlyStakeLeft(f, [alice, owner]);
  });

  it("a delivered (σ shown) but unsettled order also waits for the settle delay; storageUntil == paidAt + settleDelay", async () => {
    const f = await deployFixture();
    const { contract, alice, owner, stranger, networkHelpers, params, now } = f;
    // σ shown in an answered challenge: delivered, back to Paid, not settled
    const order = await storedOrder(f, alice, 3000, { storageUntil: (await now()) + 20n });
    const { index } = await challenge(f, order);
    await respond(f, order, index);
    // paid at T with storageUntil = T + settleDelay: both conditions fall on the same second
    const T = (await now()) + 5n;
    const exact = await f.makeQuote({ client: alice.account.address, storageUntil: T + params.settleDelay });
    const exactSig = await f.signQuote(exact);
    await networkHelpers.time.setNextBlockTimestamp(T);
    await contract.write.pay([exact, exactSig], { account: alice.account, value: exact.price });
    assert.equal((await contract.read.orderOf([exact.orderId]))[2], T);

    assert.equal(await contract.read.isDelivered([order.quote.orderId]), true);
    const [, settled, paidAt] = await contract.read.orderOf([order.quote.orderId]);
    assert.equal(settled, false);
    const settleAt = paidAt + params.settleDelay;
    const releaseOrder = () => contract.write.release([order.quote], { account: stranger.account, gas: GAS });
    await assertRefusedAt(f, order.quote.storageUntil + 1n, stranger, releaseOrder, "ServerContractTooEarly", settleAt, [
      order.quote.orderId,
    ]);

    assert.ok(settleAt < exact.storageUntil - 1n);
    await acceptedAt(f, settleAt, releaseOrder);
    const releaseExact = () => contract.write.release([exact], { account: stranger.account, gas: GAS });
    await assertRefusedAt(f, exact.storageUntil - 1n, stranger, releaseExact, "ServerContractTooEarly", exact.storageUntil, [
      exact.orderId,
    ]);
    await acceptedAt(f, exact.storageUntil, releaseExact);
    // both prices to the provider (plus the bond of the answered challenge), fines unlocked
    assert.equal(
      await contract.read.withdrawable([owner.account.address]),
      order.quote.price + exact.price + params.challengeBond,
    );
    assert.deepEqual(await contract.read.stake(), [INITIAL_STAKE, 0n]);
    await assertOnlyStakeLeft(f, [alice, owner]);
  });

  it("on a settled order only unlocks the fine (the price is not paid twice)", async () => {
    const f = await deployFixture();
    const { contract, alice, owner, paidOrder, networkHelpers, params, now } = f;
    const quote = await paidOrder(alice, { storageUntil: (await now()) + 1000n });
    await networkHelpers.time.increase(params.settleDelay);
    await contract.write.settle([quote]);
    await networkHelpers.time.increaseTo(quote.storageUntil);
    await contract.write.release([quote]);
    assert.equal(await contract.read.withdrawable([owner.account.address]), quote.price);
    assert.deepEqual(await contract.read.stake(), [INITIAL_STAKE, 0n]);
    await assertOnlyStakeLeft(f, [alice, owner]);
  });

  it("is refused while a challenge or a delivery dispute is open, or after a refund", async () => {
    const f = await deployFixture();
    const { viem, contract, alice, owner, networkHelpers, now } = f;
    const storageUntil = (await now()) + 1000n;
    const challenged = await storedOrder(f, alice, 4196, { storageUntil });
    const disputed = await f.paidOrder(alice, { storageUntil });
    const refunded = await f.paidOrder(alice, { storageUntil });
    await disputeAndRefund(f, refunded);
    await contract.write.disputeDelivery([disputed], { account: alice.account });
    await networkHelpers.time.setNextBlockTimestamp(storageUntil - 1n);
    const { index } = await challenge(f, challenged);
    await networkHelpers.time.increaseTo(storageUntil + 1n);
    for (const [quote, state] of [
      [challenged.quote, OrderState.Challenged],
      [disputed, OrderState.DeliveryDisputed],
      [refunded, OrderState.Refunded],
    ] as const) {
      await viem.assertions.revertWithCustomErrorWithArgs(
        contract.write.release([quote]),
        contract,
        "ServerContractInvalidState",
        [quote.orderId, state],
      );
    }
    // once the challenge is answered the order can be released
    await respond(f, challenged, index);
    await contract.write.release([challenged.quote]);
    assert.equal(await stateOf(f, challenged.quote.orderId), OrderState.Completed);
  });
});

// ─────────────────────────────── withdraw ───────────────────────────────

describe("ServerContract.withdraw", () => {
  it("pays clients their credits and the owner its earnings, once", async () => {
    const f = await deployFixture();
    const { viem, contract, alice, bob, owner, stranger, paidOrder, networkHelpers, params } = f;
    const a = await paidOrder(alice);
    const b = await paidOrder(bob);
    await disputeAndRefund(f, a);
    await networkHelpers.time.increase(params.settleDelay);
    await contract.write.settle([b]);
    await viem.assertions.emitWithArgs(
      contract.write.withdraw({ account: alice.account }),
      contract,
      "Withdrawn",
      [getAddress(alice.account.address), a.price],
    );
    await viem.assertions.balancesHaveChanged(contract.write.withdraw({ account: owner.account }), [
      { address: owner.account.address, amount: b.price },
      { address: contract.address, amount: -b.price },
    ]);
    for (const who of [alice, owner, bob, stranger]) {
      await viem.assertions.revertWithCustomErrorWithArgs(
        contract.write.withdraw({ account: who.account }),
        contract,
        "ServerContractNothingToWithdraw",
        [getAddress(who.account.address)],
      );
    }
    assert.deepEqual(await contract.read.stake(), [INITIAL_STAKE, b.fine]);
  });

  it("an owner who is also a client gets its credit and its earnings together", async () => {
    const f = await deployFixture();
    const { viem, contract, owner, paidOrder } = f;
    const asClient = await paidOrder(owner);
    await disputeAndRefund(f, asClient);
    await contract.write.withdrawStake([1000n], { account: owner.account });
    assert.equal(await contract.read.withdrawable([owner.account.address]), asClient.price + 1000n);
    await viem.assertions.balancesHaveChanged(contract.write.withdraw({ account: owner.account }), [
      { address: owner.account.address, amount: asClient.price + 1000n },
    ]);
  });

  it("a receiver that rejects ETH gets ServerContractTransferFailed and loses nothing", async () => {
    const f = await deployFixture();
    const { viem, contract, owner, alice, makeQuote, signQuote, networkHelpers, params } = f;
    const receiver = await viem.deployContract("RejectingReceiver", [contract.address]);
    await contract.write.registerClient([receiver.address], { account: owner.account });
    const quote = await makeQuote({ client: receiver.address });
    await receiver.write.pay([quote, await signQuote(quote)], { account: alice.account, value: quote.price });
    await receiver.write.disputeDelivery([quote], { account: alice.account });
    await networkHelpers.time.increase(params.responseWindow + 1n);
    await receiver.write.claimPenalty([quote], { account: alice.account });
    const owed = quote.price + quote.fine;
    assert.equal(await contract.read.withdrawable([receiver.address]), owed);
    const balanceBefore = await f.publicClient.getBalance({ address: contract.address });
    await viem.assertions.revertWithCustomErrorWithArgs(
      receiver.write.withdraw({ account: alice.account }),
      contract,
      "ServerContractTransferFailed",
      [getAddress(receiver.address), owed],
    );
    assert.equal(await contract.read.withdrawable([receiver.address]), owed);
    assert.equal(await f.publicClient.getBalance({ address: contract.address }), balanceBefore);
    assert.equal(await f.publicClient.getBalance({ address: receiver.address }), 0n);
  });

  it("re-entry from the receiver is blocked and the receiver is paid exactly once", async () => {
    const f = await deployFixture();
    const { viem, contract, owner, alice, makeQuote, signQuote } = f;
    const receiver = await viem.deployContract("ReentrantReceiver", [contract.address]);
    await contract.write.registerClient([receiver.address], { account: owner.account });
    const quote = await makeQuote({ client: receiver.address });
    await receiver.write.pay([quote, await signQuote(quote)], { account: alice.account, value: quote.price });
    await receiver.write.disputeDelivery([quote], { account: alice.account });
    await contract.write.refund([quote], { account: owner.account });
    // a second credit, from a penalty, that a re-entrant call could try to take twice
    const q2 = await makeQuote({ client: receiver.address });
    await receiver.write.pay([q2, await signQuote(q2)], { account: alice.account, value: q2.price });
    await receiver.write.disputeDelivery([q2], { account: alice.account });
    await f.networkHelpers.time.increase(f.params.responseWindow + 1n);
    await receiver.write.claimPenalty([q2], { account: alice.account });
    const owed = quote.price + q2.price + q2.fine;
    await viem.assertions.balancesHaveChanged(receiver.write.withdraw({ account: alice.account }), [
      { address: receiver.address, amount: owed },
      { address: contract.address, amount: -owed },
    ]);
    assert.equal(await receiver.read.reentryAttempts(), 1n);
    assert.equal(await receiver.read.reentrySucceeded(), false);
    assert.equal(
      await receiver.read.lastRevert(),
      encodeErrorResult({ abi: contract.abi, errorName: "ReentrancyGuardReentrantCall" }),
    );
    assert.equal(await contract.read.withdrawable([receiver.address]), 0n);
    await viem.assertions.revertWithCustomErrorWithArgs(
      receiver.write.withdraw({ account: alice.account }),
      contract,
      "ServerContractNothingToWithdraw",
      [getAddress(receiver.address)],
    );
  });
});

// ─────────────────────────────── views ───────────────────────────────

describe("ServerContract views", () => {
  it("quoteHash equals viem's hashStruct of the quote; the commitment is its low 200 bits", async () => {
    const f = await deployFixture();
    const { contract, alice, makeQuote } = f;
    for (const overrides of [{}, { size: 0n, price: 0n, fine: 0n }, { size: MAX_FILE_SIZE, price: 2n ** 255n }]) {
      const quote = await makeQuote({ client: alice.account.address, ...overrides });
      const expected = hashStruct({ data: quote, primaryType: "Quote", types: quoteTypes });
      assert.equal(await contract.read.quoteHash([quote]), expected);
    }
    const paid = await f.paidOrder(alice);
    const [, , , commitment] = await contract.read.orderOf([paid.orderId]);
    assert.equal(commitment, orderCommitment(await contract.read.quoteHash([paid])));
  });

  it("type hashes match the protocol's EIP-712 type strings", async () => {
    const { contract } = await deployFixture();
    const encodeType = (name: string, fields: readonly { name: string; type: string }[]) =>
      `${name}(${fields.map((x) => `${x.type} ${x.name}`).join(",")})`;
    assert.equal(await contract.read.QUOTE_TYPEHASH(), keccak256(toHex(encodeType("Quote", quoteTypes.Quote))));
    assert.equal(
      await contract.read.RECEIPT_TYPEHASH(),
      keccak256(toHex(encodeType("Receipt", receiptTypes.Receipt))),
    );
    assert.equal(await contract.read.CHUNK_SIZE(), 1024n);
  });

  it("eip712Domain (ERC-5267) equals the protocol domain", async () => {
    const { contract, chainId, domain } = await deployFixture();
    const [fields, name, version, cid, verifyingContract, salt, extensions] = await contract.read.eip712Domain();
    assert.equal(fields, "0x0f");
    assert.equal(name, EIP712_NAME);
    assert.equal(name, "Pekanu");
    assert.equal(version, EIP712_VERSION);
    assert.equal(version, "1");
    assert.equal(cid, BigInt(chainId));
    assert.equal(getAddress(verifyingContract), getAddress(domain.verifyingContract));
    assert.equal(salt, `0x${"00".repeat(32)}`);
    assert.deepEqual(extensions, []);
  });

  it("params, stake, withdrawable, orderOf, pendingOf and signerRetiredAt for a fresh contract", async () => {
    const { contract, params, owner, alice, signer } = await deployFixture();
    assert.deepEqual(await contract.read.params(), params);
    assert.deepEqual(await contract.read.stake(), [INITIAL_STAKE, 0n]);
    assert.equal(await contract.read.withdrawable([alice.account.address]), 0n);
    assert.equal(await contract.read.withdrawable([owner.account.address]), 0n);
    const id = keccak256(toHex("none"));
    assert.deepEqual(await contract.read.orderOf([id]), [OrderState.None, false, 0n, 0n]);
    assert.deepEqual((await contract.read.pendingOf([id])).slice(0, 3), [0n, 0n, 0n]);
    assert.equal(await contract.read.signerRetiredAt([signer.account.address]), 0n);
    assert.equal(await contract.read.isDelivered([id]), false);
  });

  it("isDelivered: false until σ is published or shown in a challenge, then true for good, independent of settled", async () => {
    const f = await deployFixture();
    const { contract, alice, owner, networkHelpers, params } = f;
    const delivered = (id: Hex) => contract.read.isDelivered([id]);
    const settledFlag = async (id: Hex) => (await contract.read.orderOf([id]))[1];

    // never delivered: paid, disputed, refunded, penalized for no σ, settled, released
    const refunded = await f.paidOrder(alice);
    const penalized = await f.paidOrder(alice);
    const settled = await storedOrder(f);
    const published = await storedOrder(f);
    const challengedPaid = await storedOrder(f);
    const challengedSettled = await storedOrder(f);
    const unanswered = await storedOrder(f);
    for (const q of [refunded, penalized, settled.quote, published.quote]) assert.equal(await delivered(q.orderId), false);
    await contract.write.disputeDelivery([refunded], { account: alice.account });
    await contract.write.disputeDelivery([penalized], { account: alice.account });
    await contract.write.disputeDelivery([published.quote], { account: alice.account });
    assert.equal(await delivered(refunded.orderId), false);
    await contract.write.refund([refunded], { account: owner.account });
    assert.equal(await delivered(refunded.orderId), false);

    // published: delivered, still unsettled (the two flags are separate bits)
    await contract.write.publishReceipt([published.quote, LINK, published.sigma]);
    assert.equal(await delivered(published.quote.orderId), true);
    assert.equal(await settledFlag(published.quote.orderId), false);

    // shown in a challenge: delivered while open, after the answer, and after a penalty
    const c1 = await challenge(f, challengedPaid);
    assert.equal(await delivered(challengedPaid.quote.orderId), true);
    await respond(f, challengedPaid, c1.index);
    assert.equal(await delivered(challengedPaid.quote.orderId), true);
    assert.equal(await settledFlag(challengedPaid.quote.orderId), false);
    const c2 = await challenge(f, unanswered);
    await networkHelpers.time.increaseTo(c2.deadline + 1n);
    await contract.write.claimPenalty([penalized], { account: alice.account });
    await contract.write.claimPenalty([unanswered.quote], { account: alice.account });
    assert.equal(await delivered(penalized.orderId), false);
    assert.equal(await delivered(unanswered.quote.orderId), true);
    // the unanswered challenge of an unsettled order paid the price back despite the delivered bit
    assert.equal(
      await contract.read.withdrawable([alice.account.address]),
      refunded.price + penalized.price + penalized.fine + unanswered.quote.price + unanswered.quote.fine + params.challengeBond,
    );

    // settled: not delivered; a settled order challenged and answered is both settled and delivered
    await networkHelpers.time.increase(params.settleDelay);
    await contract.write.settle([settled.quote]);
    await contract.write.settle([challengedSettled.quote]);
    assert.equal(await delivered(settled.quote.orderId), false);
    assert.equal(await settledFlag(settled.quote.orderId), true);
    const c3 = await challenge(f, challengedSettled);
    await respond(f, challengedSettled, c3.index);
    assert.deepEqual((await contract.read.orderOf([challengedSettled.quote.orderId])).slice(0, 2), [OrderState.Settled, true]);
    assert.equal(await delivered(challengedSettled.quote.orderId), true);

    // release keeps the flag; a delivered unsettled order pays its price on release
    const earnedBefore = await contract.read.withdrawable([owner.account.address]);
    await networkHelpers.time.increaseTo(published.quote.storageUntil);
    await contract.write.release([published.quote]);
    await contract.write.release([settled.quote]);
    await contract.write.release([challengedSettled.quote]);
    assert.equal(await contract.read.withdrawable([owner.account.address]), earnedBefore + published.quote.price);
    assert.equal(await delivered(published.quote.orderId), true);
    assert.equal(await delivered(settled.quote.orderId), false);
    assert.equal(await delivered(challengedSettled.quote.orderId), true);
    assert.equal(await delivered(keccak256(toHex("unknown"))), false);
  });

  it("the contract balance always equals stake + escrow + bonds + credits + earnings", async () => {
    const f = await deployFixture();
    const { contract, alice, bob, owner, params, networkHelpers } = f;
    const escrow = new Map<Hex, bigint>();
    const check = async (openBonds: bigint) => {
      const [total] = await contract.read.stake();
      let credits = 0n;
      for (const a of [alice, bob, owner] as Wallet[]) credits += await contract.read.withdrawable([a.account.address]);
      const escrowed = [...escrow.values()].reduce((x, y) => x + y, 0n);
      assert.equal(
        await f.publicClient.getBalance({ address: contract.address }),
        total + credits + escrowed + openBonds * params.challengeBond,
      );
    };
    const o1 = await storedOrder(f, alice);
    const o2 = await storedOrder(f, bob);
    const o3 = await storedOrder(f, alice);
    for (const o of [o1, o2, o3]) escrow.set(o.quote.orderId, o.quote.price);
    await check(0n);
    await contract.write.withdrawStake([parseEther("1")], { account: owner.account });
    await check(0n);
    const c1 = await challenge(f, o1);
    const c2 = await challenge(f, o2);
    await check(2n);
    await respond(f, o1, c1.index);
    await check(1n);
    await networkHelpers.time.increaseTo(c2.deadline + 1n);
    await contract.write.claimPenalty([o2.quote], { account: bob.account });
    escrow.delete(o2.quote.orderId);
    await check(0n);
    await networkHelpers.time.increase(params.settleDelay);
    await contract.write.settle([o1.quote]);
    escrow.delete(o1.quote.orderId);
    await disputeAndRefund(f, o3.quote);
    escrow.delete(o3.quote.orderId);
    await check(0n);
    await contract.write.withdraw({ account: bob.account });
    await check(0n);
    await assertOnlyStakeLeft(f, [alice, bob, owner]);
  });
});
