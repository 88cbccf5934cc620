// Unit tests of ComputeContract: every function and every custom error, on real jobs (PKMX files,
// RFC 6962 roots, results computed by the protocol's kernels), money asserted in wei, and refused
// calls leaving everything unchanged.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { computeContractAbi } from "@pekanu/protocol/contract";
import { type Hex, getAddress, hashStruct, keccak256, parseEther, toHex, zeroAddress } from "viem";
import {
  COMPUTE_EIP712_NAME,
  COMPUTE_EIP712_VERSION,
  FIELD_PRIME,
  KERNEL,
  JobState,
  type JobQuote,
  jobHash,
  jobQuoteTypes,
  jobReceiptTypes,
  matrixGeometry,
  provePiece,
} from "@pekanu/protocol/compute";
import { bytesToHex } from "@pekanu/protocol/merkle";
import { nodeSha256 } from "@pekanu/protocol/node";
import {
  COMPUTE_STAKE,
  LINK,
  type ComputeFixture,
  deployComputeFixture,
  itemProof,
  makeJobFiles,
  resultOf,
  testComputeParams,
  withWrongItem,
} from "./computeFixture.ts";

type Paid = Awaited<ReturnType<ComputeFixture["paidJob"]>>;
/** The contract's custom errors (its own and OpenZeppelin's), by name. */
type ErrorName = Extract<(typeof computeContractAbi)[number], { type: "error" }>["name"];

const GAS = 3_000_000n;

async function rejects(f: ComputeFixture, call: Promise<unknown>, error: ErrorName, args?: readonly unknown[]) {
  if (args === undefined) await f.viem.assertions.revertWithCustomError(call, f.contract, error);
  else await f.viem.assertions.revertWithCustomErrorWithArgs(call, f.contract, error, args as never);
}

/** `call` reverts with `error` and leaves jobs, stake, credits and the contract balance as they were. */
async function refusedUnchanged(f: ComputeFixture, jobIds: Hex[], call: () => Promise<unknown>, error: ErrorName, args?: readonly unknown[]) {
  const before = await f.snapshot(jobIds);
  await rejects(f, call(), error, args);
  assert.deepEqual(await f.snapshot(jobIds), before);
}

async function stateOf(f: ComputeFixture, jobId: Hex): Promise<number> {
  const [state] = await f.contract.read.jobOf([jobId]);
  return state;
}

/** Withdraws for everyone owed, then checks the contract holds exactly the stake (solvency). */
async function assertOnlyStakeLeft(f: ComputeFixture) {
  for (const w of [f.owner, f.alice, f.bob]) {
    if ((await f.contract.read.withdrawable([w.account.address])) > 0n) await f.contract.write.withdraw({ account: w.account });
  }
  const [total] = await f.contract.read.stake();
  assert.equal(await f.publicClient.getBalance({ address: f.contract.address }), total);
}

async function publish(f: ComputeFixture, job: Paid) {
  return f.contract.write.publishReceipt([job.quote, job.result, job.receiptSig], { account: job.client.account });
}

describe("ComputeContract: deployment, stake, signer", () => {
  it("deploys with stake, signer, params and EIP-712 domain matching the protocol", async () => {
    const f = await deployComputeFixture();
    assert.deepEqual(await f.contract.read.stake(), [COMPUTE_STAKE, 0n]);
    assert.equal(await f.contract.read.signer(), getAddress(f.signer.account.address));
    assert.deepEqual(await f.contract.read.params(), testComputeParams);
    const [, name, version, chainId, verifyingContract] = await f.contract.read.eip712Domain();
    assert.deepEqual([name, version, Number(chainId), verifyingContract], [COMPUTE_EIP712_NAME, COMPUTE_EIP712_VERSION, f.chainId, getAddress(f.contract.address)]);
    assert.equal(await f.contract.read.FIELD_PRIME(), BigInt(FIELD_PRIME));
    // type strings: the contract's typehashes are the protocol's
    const enc = (types: Record<string, readonly { name: string; type: string }[]>, primary: string) =>
      keccak256(toHex(`${primary}(${types[primary]!.map((x) => `${x.type} ${x.name}`).join(",")})`));
    assert.equal(await f.contract.read.JOB_QUOTE_TYPEHASH(), enc(jobQuoteTypes, "JobQuote"));
    assert.equal(await f.contract.read.JOB_RECEIPT_TYPEHASH(), enc(jobReceiptTypes, "JobReceipt"));
    const files = makeJobFiles({ m: 2, k: 3, n: 2 });
    const quote = await f.makeQuote(files, { client: f.alice.account.address });
    assert.equal(await f.contract.read.jobHash([quote]), jobHash(quote));
    assert.equal(jobHash(quote), hashStruct({ data: quote, primaryType: "JobQuote", types: jobQuoteTypes }));
  });

  it("deploys under the 24 KiB code-size limit (EIP-170)", async () => {
    const f = await deployComputeFixture();
    const code = (await f.publicClient.getCode({ address: f.contract.address })) ?? "0x";
    assert.ok((code.length - 2) / 2 < 24_576, `runtime code is ${(code.length - 2) / 2} bytes`);
  });

  it("refuses a zero signer and zero windows", async () => {
    const f = await deployComputeFixture();
    await rejects(f, f.viem.deployContract("ComputeContract", [zeroAddress, testComputeParams]), "ComputeContractInvalidSigner", [zeroAddress]);
    await rejects(f, f.viem.deployContract("ComputeContract", [f.signer.account.address, { ...testComputeParams, responseWindow: 0n }]), "ComputeContractInvalidParams", []);
    await rejects(f, f.viem.deployContract("ComputeContract", [f.signer.account.address, { ...testComputeParams, verifyWindow: 0n }]), "ComputeContractInvalidParams", []);
  });

  it("deposits and withdraws stake (owner only, only the free part), renounceOwnership disabled", async () => {
    const f = await deployComputeFixture();
    await f.contract.write.depositStake({ account: f.owner.account, value: parseEther("1") });
    assert.deepEqual(await f.contract.read.stake(), [COMPUTE_STAKE + parseEther("1"), 0n]);
    await refusedUnchanged(f, [], () => f.contract.write.depositStake({ account: f.owner.account, value: 0n }), "ComputeContractZeroAmount", []);
    await refusedUnchanged(f, [], () => f.contract.write.depositStake({ account: f.stranger.account, value: 1n }), "OwnableUnauthorizedAccount", [getAddress(f.stranger.account.address)]);
    const job = await f.paidJob();
    const free = COMPUTE_STAKE + parseEther("1") - job.quote.fine;
    await refusedUnchanged(f, [job.quote.jobId], () => f.contract.write.withdrawStake([free + 1n], { account: f.owner.account }), "ComputeContractInsufficientFreeStake", [free + 1n, free]);
    await refusedUnchanged(f, [], () => f.contract.write.withdrawStake([0n], { account: f.owner.account }), "ComputeContractZeroAmount", []);
    await f.contract.write.withdrawStake([free], { account: f.owner.account });
    assert.equal(await f.contract.read.withdrawable([f.owner.account.address]), free);
    const before = await f.publicClient.getBalance({ address: f.owner.account.address });
    const hash = await f.contract.write.withdraw({ account: f.owner.account });
    const r = await f.publicClient.getTransactionReceipt({ hash });
    assert.equal(await f.publicClient.getBalance({ address: f.owner.account.address }), before + free - r.gasUsed * r.effectiveGasPrice);
    await rejects(f, f.contract.read.renounceOwnership(), "ComputeContractRenounceDisabled", []);
  });

  it("rotates the signer: new quotes need the new key, receipts of the old one stay valid for earlier jobs", async () => {
    const f = await deployComputeFixture();
    const early = await f.paidJob();
    await rejects(f, f.contract.write.rotateSigner([zeroAddress], { account: f.owner.account }), "ComputeContractInvalidSigner", [zeroAddress]);
    await rejects(f, f.contract.write.rotateSigner([f.signer.account.address], { account: f.owner.account }), "ComputeContractInvalidSigner", [getAddress(f.signer.account.address)]);
    await f.contract.write.rotateSigner([f.newSigner.account.address], { account: f.owner.account });
    assert.ok((await f.contract.read.signerRetiredAt([f.signer.account.address])) > 0n);
    // old σ for a job paid before the rotation: still accepted
    await f.networkHelpers.time.increaseTo(early.quote.deliverBy + 1n);
    await publish(f, early);
    // a quote signed by the old key: refused
    const files = makeJobFiles({ m: 2, k: 2, n: 2 });
    const quote = await f.makeQuote(files, { client: f.alice.account.address });
    await rejects(f, f.contract.write.pay([quote, await f.signQuote(quote)], { account: f.alice.account, value: quote.price }), "ComputeContractInvalidQuoteSignature", [getAddress(f.signer.account.address)]);
    // a job paid after the rotation: the old key's receipt is refused
    await f.contract.write.pay([quote, await f.signQuote(quote, f.newSigner)], { account: f.alice.account, value: quote.price });
    const result = resultOf(files.result);
    await f.networkHelpers.time.increaseTo(quote.deliverBy + 1n);
    await rejects(f, f.contract.write.publishReceipt([quote, result, await f.signReceipt(quote, result)], { account: f.alice.account }), "ComputeContractInvalidReceiptSignature", [getAddress(f.signer.account.address)]);
    await f.contract.write.publishReceipt([quote, result, await f.signReceipt(quote, result, f.newSigner)], { account: f.alice.account });
  });
});

describe("ComputeContract: pay", () => {
  it("escrows the price, locks the fine, commits to the quote and emits JobPaid", async () => {
    const f = await deployComputeFixture();
    const job = await f.paidJob();
    const [state, delivered, paidAt, commitment] = await f.contract.read.jobOf([job.quote.jobId]);
    assert.equal(state, JobState.Paid);
    assert.equal(delivered, false);
    assert.equal(paidAt, await f.now());
    assert.equal(commitment, BigInt(jobHash(job.quote)) & ((1n << 200n) - 1n));
    assert.deepEqual(await f.contract.read.stake(), [COMPUTE_STAKE, job.quote.fine]);
    assert.equal(await f.publicClient.getBalance({ address: f.contract.address }), COMPUTE_STAKE + job.quote.price);
    const events = await f.contract.getEvents.JobPaid();
    assert.deepEqual(events[0]!.args, {
      jobId: job.quote.jobId,
      client: getAddress(f.alice.account.address),
      jobHash: jobHash(job.quote),
      price: job.quote.price,
      fine: job.quote.fine,
      deliverBy: job.quote.deliverBy,
    });
  });

  it("refuses every bad payment with its error, changing nothing", async () => {
    const f = await deployComputeFixture();
    const files = makeJobFiles({ m: 2, k: 3, n: 2 });
    const a = f.alice.account.address;
    const payWith = async (overrides: Partial<JobQuote>, opts: { by?: typeof f.alice; value?: bigint; signer?: typeof f.signer; domain?: typeof f.domain } = {}) => {
      const quote = await f.makeQuote(files, { client: a, ...overrides });
      const sig = await f.signQuote(quote, opts.signer ?? f.signer, opts.domain ?? f.domain);
      return () => f.contract.write.pay([quote, sig], { account: (opts.by ?? f.alice).account, value: opts.value ?? quote.price, gas: GAS });
    };
    const t = await f.now();
    await refusedUnchanged(f, [], await payWith({}, { by: f.bob }), "ComputeContractUnauthorized", [getAddress(f.bob.account.address)]);
    await refusedUnchanged(f, [], await payWith({ expiresAt: t }), "ComputeContractQuoteExpired", [t]);
    await refusedUnchanged(f, [], await payWith({ deliverBy: t + 1n }), "ComputeContractInvalidDeadline", [t + 1n]);
    await refusedUnchanged(f, [], await payWith({ kernel: 3 }), "ComputeContractInvalidJob", [3, 2n, 3n, 2n]);
    await refusedUnchanged(f, [], await payWith({ m: 0 }), "ComputeContractInvalidJob", [1, 0n, 3n, 2n]);
    await refusedUnchanged(f, [], await payWith({ k: 2 ** 15 + 1 }), "ComputeContractInvalidJob", [1, 2n, BigInt(2 ** 15 + 1), 2n]);
    await refusedUnchanged(f, [], await payWith({ n: 2 ** 24 + 1 }), "ComputeContractInvalidJob", [1, 2n, 3n, BigInt(2 ** 24 + 1)]);
    await refusedUnchanged(f, [], await payWith({ kernel: KERNEL.polyEval, m: 2 }), "ComputeContractInvalidJob", [2, 2n, 3n, 2n]);
    await refusedUnchanged(f, [], await payWith({}, { value: 1n }), "ComputeContractIncorrectPayment", [parseEther("0.1"), 1n]);
    await refusedUnchanged(f, [], await payWith({}, { signer: f.stranger }), "ComputeContractInvalidQuoteSignature", [getAddress(f.stranger.account.address)]);
    await rejects(f, (await payWith({}, { domain: { ...f.domain, chainId: f.chainId + 1 } }))(), "ComputeContractInvalidQuoteSignature");
    await rejects(f, (await payWith({}, { domain: { ...f.domain, verifyingContract: f.alice.account.address } }))(), "ComputeContractInvalidQuoteSignature");
    await refusedUnchanged(f, [], await payWith({ fine: COMPUTE_STAKE + 1n }), "ComputeContractInsufficientFreeStake", [COMPUTE_STAKE + 1n, COMPUTE_STAKE]);
    const huge = 2n ** 96n;
    await f.networkHelpers.setBalance(a, huge * 2n);
    await refusedUnchanged(f, [], await payWith({ price: huge }), "ComputeContractAmountOverflow", [huge]);
    const job = await f.paidJob({ files });
    await refusedUnchanged(f, [job.quote.jobId], () => f.contract.write.pay([job.quote, "0x"], { account: f.alice.account, value: job.quote.price, gas: GAS }), "ComputeContractJobExists", [job.quote.jobId]);
  });
});

describe("ComputeContract: settle and settleMany", () => {
  it("settles after deliverBy + verifyWindow: price to the provider, fine unlocked", async () => {
    const f = await deployComputeFixture();
    const job = await f.paidJob();
    const at = job.quote.deliverBy + testComputeParams.verifyWindow;
    assert.equal(await f.contract.read.settleAt([job.quote]), at);
    await f.networkHelpers.time.setNextBlockTimestamp(at - 1n);
    await refusedUnchanged(f, [job.quote.jobId], () => f.contract.write.settle([job.quote], { account: f.stranger.account, gas: GAS }), "ComputeContractTooEarly", [at]);
    await f.contract.write.settle([job.quote], { account: f.stranger.account });
    assert.equal(await stateOf(f, job.quote.jobId), JobState.Settled);
    assert.deepEqual(await f.contract.read.stake(), [COMPUTE_STAKE, 0n]);
    assert.equal(await f.contract.read.withdrawable([f.owner.account.address]), job.quote.price);
    await rejects(f, f.contract.write.settle([job.quote]), "ComputeContractInvalidState", [job.quote.jobId, JobState.Settled]);
    await assertOnlyStakeLeft(f);
  });

  it("a receipt published late moves the window: settle waits for deliveredAt + verifyWindow", async () => {
    const f = await deployComputeFixture();
    const job = await f.paidJob();
    await f.networkHelpers.time.increaseTo(job.quote.deliverBy + 30n);
    await publish(f, job);
    const [, deliveredAt] = await f.contract.read.pendingOf([job.quote.jobId]);
    assert.equal(await f.contract.read.settleAt([job.quote]), deliveredAt + testComputeParams.verifyWindow);
  });

  it("settleMany settles the due jobs and skips the rest (not due, other state, wrong terms)", async () => {
    const f = await deployComputeFixture();
    const due1 = await f.paidJob();
    const due2 = await f.paidJob({ client: f.bob });
    const disputed = await f.paidJob();
    await f.networkHelpers.time.increaseTo(disputed.quote.deliverBy + 1n);
    await f.contract.write.disputeDelivery([disputed.quote], { account: f.alice.account });
    const late = await f.paidJob();
    await f.networkHelpers.time.increaseTo(due2.quote.deliverBy + testComputeParams.verifyWindow + 1n);
    const forged = { ...due1.quote, price: 1n };
    const { result: count } = await f.contract.simulate.settleMany([[due1.quote, forged, due2.quote, disputed.quote, late.quote]]);
    assert.equal(count, 2n);
    await f.contract.write.settleMany([[due1.quote, forged, due2.quote, disputed.quote, late.quote]]);
    assert.equal(await stateOf(f, due1.quote.jobId), JobState.Settled);
    assert.equal(await stateOf(f, due2.quote.jobId), JobState.Settled);
    assert.equal(await stateOf(f, late.quote.jobId), JobState.Paid);
    assert.equal(await f.contract.read.withdrawable([f.owner.account.address]), due1.quote.price + due2.quote.price);
  });

  it("unknown jobs and changed terms are refused", async () => {
    const f = await deployComputeFixture();
    const job = await f.paidJob();
    const unknown = { ...job.quote, jobId: keccak256(toHex("nope")) };
    await rejects(f, f.contract.write.settle([unknown]), "ComputeContractUnknownJob", [unknown.jobId]);
    await rejects(f, f.contract.write.settle([{ ...job.quote, fine: 1n }]), "ComputeContractTermsMismatch", [job.quote.jobId]);
  });
});

describe("ComputeContract: delivery dispute", () => {
  it("a receipt published by the deadline closes the dispute; the job then settles normally", async () => {
    const f = await deployComputeFixture();
    const job = await f.paidJob();
    await refusedUnchanged(f, [job.quote.jobId], () => f.contract.write.disputeDelivery([job.quote], { account: f.alice.account, gas: GAS }), "ComputeContractTooEarly", [job.quote.deliverBy + 1n]);
    await f.networkHelpers.time.increaseTo(job.quote.deliverBy + 1n);
    await rejects(f, f.contract.write.disputeDelivery([job.quote], { account: f.bob.account }), "ComputeContractUnauthorized", [getAddress(f.bob.account.address)]);
    await f.contract.write.disputeDelivery([job.quote], { account: f.alice.account });
    assert.equal(await stateOf(f, job.quote.jobId), JobState.DeliveryDisputed);
    await rejects(f, f.contract.write.claimPenalty([job.quote], { account: f.alice.account }), "ComputeContractTooEarly");
    const badSig = await f.signReceipt(job.quote, job.result, f.stranger);
    await rejects(f, f.contract.write.publishReceipt([job.quote, job.result, badSig]), "ComputeContractInvalidReceiptSignature", [getAddress(f.stranger.account.address)]);
    await rejects(f, f.contract.write.publishReceipt([job.quote, job.result, "0x1234"]), "ComputeContractInvalidReceiptSignature", [zeroAddress]);
    await f.contract.write.publishReceipt([job.quote, job.result, job.receiptSig], { account: f.stranger.account });
    const [state, delivered] = await f.contract.read.jobOf([job.quote.jobId]);
    assert.equal(state, JobState.Paid);
    assert.equal(delivered, true);
    const [event] = await f.contract.getEvents.JobReceiptPublished();
    assert.deepEqual(event!.args, { jobId: job.quote.jobId, resultRoot: job.result.resultRoot, resultSize: job.result.resultSize, link: LINK });
    await rejects(f, f.contract.write.disputeDelivery([job.quote], { account: f.alice.account }), "ComputeContractAlreadyDelivered", [job.quote.jobId]);
    await rejects(f, publish(f, job), "ComputeContractAlreadyDelivered", [job.quote.jobId]);
    await rejects(f, f.contract.write.claimPenalty([job.quote], { account: f.alice.account }), "ComputeContractInvalidState", [job.quote.jobId, JobState.Paid]);
  });

  it("a withheld receipt: silence past the deadline gives the client price + fine, in wei", async () => {
    const f = await deployComputeFixture();
    const job = await f.paidJob();
    await f.networkHelpers.time.increaseTo(job.quote.deliverBy + 1n);
    await f.contract.write.disputeDelivery([job.quote], { account: f.alice.account });
    const [deadline] = await f.contract.read.pendingOf([job.quote.jobId]);
    await f.networkHelpers.time.setNextBlockTimestamp(deadline + 1n);
    await refusedUnchanged(f, [job.quote.jobId], () => f.contract.write.publishReceipt([job.quote, job.result, job.receiptSig], { gas: GAS }), "ComputeContractTooLate", [deadline]);
    await rejects(f, f.contract.write.refund([job.quote], { account: f.owner.account }), "ComputeContractTooLate", [deadline]);
    await rejects(f, f.contract.write.claimPenalty([job.quote], { account: f.bob.account }), "ComputeContractUnauthorized", [getAddress(f.bob.account.address)]);
    const before = await f.publicClient.getBalance({ address: f.alice.account.address });
    const h1 = await f.contract.write.claimPenalty([job.quote], { account: f.alice.account });
    const h2 = await f.contract.write.withdraw({ account: f.alice.account });
    let gas = 0n;
    for (const hash of [h1, h2]) {
      const r = await f.publicClient.getTransactionReceipt({ hash });
      gas += r.gasUsed * r.effectiveGasPrice;
    }
    assert.equal(await f.publicClient.getBalance({ address: f.alice.account.address }), before + job.quote.price + job.quote.fine - gas);
    assert.equal(await stateOf(f, job.quote.jobId), JobState.Penalized);
    assert.deepEqual(await f.contract.read.stake(), [COMPUTE_STAKE - job.quote.fine, 0n]);
    await assertOnlyStakeLeft(f);
  });

  it("disputes close with the verification window; the provider may refund only an open dispute", async () => {
    const f = await deployComputeFixture();
    const job = await f.paidJob();
    await rejects(f, f.contract.write.refund([job.quote], { account: f.owner.account }), "ComputeContractInvalidState", [job.quote.jobId, JobState.Paid]);
    await f.networkHelpers.time.increaseTo(job.quote.deliverBy + 1n);
    await f.contract.write.disputeDelivery([job.quote], { account: f.alice.account });
    await rejects(f, f.contract.write.refund([job.quote], { account: f.alice.account }), "OwnableUnauthorizedAccount");
    await f.contract.write.refund([job.quote], { account: f.owner.account });
    assert.equal(await stateOf(f, job.quote.jobId), JobState.Refunded);
    assert.equal(await f.contract.read.withdrawable([f.alice.account.address]), job.quote.price);
    assert.deepEqual(await f.contract.read.stake(), [COMPUTE_STAKE, 0n]);
    await assertOnlyStakeLeft(f);
    const late = await f.paidJob();
    const closes = late.quote.deliverBy + testComputeParams.verifyWindow;
    await f.networkHelpers.time.setNextBlockTimestamp(closes);
    await rejects(f, f.contract.write.disputeDelivery([late.quote], { account: f.alice.account }), "ComputeContractTooLate", [closes]);
  });
});

describe("ComputeContract: result challenge (a result signed but withheld)", () => {
  async function challenged(f: ComputeFixture, index = 1) {
    const job = await f.paidJob({ files: makeJobFiles({ m: 4, k: 3, n: 300 }) });
    await f.contract.write.challengeResult([job.quote, job.result, job.receiptSig, BigInt(index)], { account: f.alice.account, value: testComputeParams.challengeBond });
    return job;
  }
  const chunkProof = (bytes: Uint8Array, index: number) => {
    const chunks = Math.ceil(bytes.length / 1024);
    const p = provePiece({ bytes, piece: { unitChunks: 1, index, units: chunks }, sha256: nodeSha256 });
    return { chunk: bytesToHex(p.data), proof: p.proof };
  };

  it("an honest provider answers with the chunk and proof and earns the bond", async () => {
    const f = await deployComputeFixture();
    const job = await challenged(f, 8); // the last chunk: the 32-byte trailer
    assert.equal(await stateOf(f, job.quote.jobId), JobState.ResultChallenged);
    const { chunk, proof } = chunkProof(job.resultBytes, 8);
    await rejects(f, f.contract.write.respondResult([job.quote.jobId, job.result.resultSize, chunkProof(job.resultBytes, 7).chunk, proof]), "ComputeContractInvalidChunk", [job.quote.jobId]);
    await rejects(f, f.contract.write.respondResult([job.quote.jobId, job.result.resultSize, chunk, chunkProof(job.resultBytes, 7).proof]), "ComputeContractInvalidProof", [job.quote.jobId, 2]);
    await f.contract.write.respondResult([job.quote.jobId, job.result.resultSize, chunk, proof], { account: f.stranger.account });
    assert.equal(await stateOf(f, job.quote.jobId), JobState.Paid);
    assert.equal(await f.contract.read.withdrawable([f.owner.account.address]), testComputeParams.challengeBond);
    await rejects(f, f.contract.write.respondResult([job.quote.jobId, job.result.resultSize, chunk, proof]), "ComputeContractInvalidState", [job.quote.jobId, JobState.Paid]);
    await rejects(
      f,
      f.contract.write.challengeResult([job.quote, job.result, job.receiptSig, 0n], { account: f.alice.account, value: testComputeParams.challengeBond }),
      "ComputeContractChallengeCooldown",
    );
  });

  it("a provider that withholds the result is fined: price + fine + bond to the client", async () => {
    const f = await deployComputeFixture();
    const job = await challenged(f);
    const [deadline] = await f.contract.read.pendingOf([job.quote.jobId]);
    await f.networkHelpers.time.setNextBlockTimestamp(deadline + 1n);
    const { chunk, proof } = chunkProof(job.resultBytes, 1);
    await rejects(f, f.contract.write.respondResult([job.quote.jobId, job.result.resultSize, chunk, proof], { gas: GAS }), "ComputeContractTooLate", [deadline]);
    await f.contract.write.claimPenalty([job.quote], { account: f.alice.account });
    assert.equal(await f.contract.read.withdrawable([f.alice.account.address]), job.quote.price + job.quote.fine + testComputeParams.challengeBond);
    assert.equal(await stateOf(f, job.quote.jobId), JobState.Penalized);
    await assertOnlyStakeLeft(f);
  });

  it("refuses bad challenges: stranger, bond, index, signature, after the window", async () => {
    const f = await deployComputeFixture();
    const job = await f.paidJob();
    const bond = testComputeParams.challengeBond;
    const ch = (over: { by?: typeof f.alice; value?: bigint; index?: bigint; sig?: Hex } = {}) => () =>
      f.contract.write.challengeResult([job.quote, job.result, over.sig ?? job.receiptSig, over.index ?? 0n], { account: (over.by ?? f.alice).account, value: over.value ?? bond, gas: GAS });
    const id = [job.quote.jobId];
    await refusedUnchanged(f, id, ch({ by: f.bob }), "ComputeContractUnauthorized", [getAddress(f.bob.account.address)]);
    await refusedUnchanged(f, id, ch({ value: 1n }), "ComputeContractIncorrectPayment", [bond, 1n]);
    await refusedUnchanged(f, id, ch({ index: 4n }), "ComputeContractInvalidChunk", [job.quote.jobId]);
    await refusedUnchanged(f, id, ch({ sig: await f.signReceipt(job.quote, job.result, f.bob) }), "ComputeContractInvalidReceiptSignature", [getAddress(f.bob.account.address)]);
    const closes = job.quote.deliverBy + testComputeParams.verifyWindow;
    await f.networkHelpers.time.setNextBlockTimestamp(closes);
    await rejects(f, ch()(), "ComputeContractTooLate", [closes]);
  });
});

describe("ComputeContract: proveFraud and withdraw", () => {
  it("a wrong entry: the client gets price + fine at once, in wei, and the fine leaves the stake", async () => {
    const f = await deployComputeFixture();
    const files = makeJobFiles({ m: 3, k: 5, n: 4 });
    const bad = withWrongItem(files, 2, 1);
    const job = await f.paidJob({ files, result: bad });
    const before = await f.publicClient.getBalance({ address: f.alice.account.address });
    const h1 = await f.contract.write.proveFraud([job.quote, job.result, job.receiptSig, itemProof(files, bad, 2, 1)], { account: f.alice.account });
    const h2 = await f.contract.write.withdraw({ account: f.alice.account });
    let gas = 0n;
    for (const hash of [h1, h2]) {
      const r = await f.publicClient.getTransactionReceipt({ hash });
      gas += r.gasUsed * r.effectiveGasPrice;
    }
    assert.equal(await f.publicClient.getBalance({ address: f.alice.account.address }), before + job.quote.price + job.quote.fine - gas);
    assert.equal(await stateOf(f, job.quote.jobId), JobState.Fraudulent);
    assert.deepEqual(await f.contract.read.stake(), [COMPUTE_STAKE - job.quote.fine, 0n]);
    const [event] = await f.contract.getEvents.FraudProven({}, { fromBlock: 0n });
    assert.deepEqual(event!.args, { jobId: job.quote.jobId, client: getAddress(f.alice.account.address), i: 2n, j: 1n, amount: job.quote.price + job.quote.fine });
    await assertOnlyStakeLeft(f);
  });

  it("an item outside the result is refused; a result of the wrong size is fraud by itself", async () => {
    const f = await deployComputeFixture();
    const files = makeJobFiles({ m: 3, k: 5, n: 4 });
    const job = await f.paidJob({ files });
    const proof = itemProof(files, files.result, 2, 3);
    await refusedUnchanged(f, [job.quote.jobId], () => f.contract.write.proveFraud([job.quote, job.result, job.receiptSig, { ...proof, i: 3 }], { gas: GAS }), "ComputeContractInvalidItem", [3n, 3n]);
    const truncated = files.result.slice(0, 1024);
    const short = await f.paidJob({ files, result: truncated });
    assert.equal(await f.contract.read.resultSizeOf([3n, 4n]), BigInt(matrixGeometry({ rows: 3, cols: 4, layout: "rows" }).size));
    await f.contract.write.proveFraud([short.quote, short.result, short.receiptSig, proof], { account: f.stranger.account });
    assert.equal(await f.contract.read.withdrawable([f.alice.account.address]), short.quote.price + short.quote.fine);
  });

  it("withdraw: nothing owed, a client that refuses the ETH, and a re-entering client", async () => {
    const f = await deployComputeFixture();
    await rejects(f, f.contract.write.withdraw({ account: f.bob.account }), "ComputeContractNothingToWithdraw", [getAddress(f.bob.account.address)]);
    const clientContract = await f.viem.deployContract("ComputeClient", [f.contract.address]);
    const files = makeJobFiles({ m: 2, k: 2, n: 2 });
    const quote = await f.makeQuote(files, { client: clientContract.address });
    await clientContract.write.pay([quote, await f.signQuote(quote)], { value: quote.price });
    await f.networkHelpers.time.increaseTo(quote.deliverBy + 1n);
    await clientContract.write.disputeDelivery([quote]);
    await f.networkHelpers.mine(60);
    await clientContract.write.claimPenalty([quote]);
    const owed = quote.price + quote.fine;
    await clientContract.write.setMode([2]);
    await rejects(f, clientContract.write.withdraw(), "ComputeContractTransferFailed", [getAddress(clientContract.address), owed]);
    await clientContract.write.setMode([1]);
    await clientContract.write.withdraw();
    assert.equal(await clientContract.read.reentrySucceeded(), false);
    assert.equal(await f.publicClient.getBalance({ address: clientContract.address }), owed);
    await assertOnlyStakeLeft(f);
  });

  it("isValidJob names the kernels: 1 matmul, 2 polyEval (m = 1), nothing else", async () => {
    const f = await deployComputeFixture();
    assert.equal(await f.contract.read.isValidJob([1, 5n, 6n, 7n]), true);
    assert.equal(await f.contract.read.isValidJob([2, 1n, 6n, 7n]), true);
    assert.equal(await f.contract.read.isValidJob([2, 2n, 6n, 7n]), false);
    assert.equal(await f.contract.read.isValidJob([0, 1n, 1n, 1n]), false);
    assert.equal(await f.contract.read.isValidJob([3, 1n, 1n, 1n]), false);
    assert.equal(await f.contract.read.isValidJob([1, 2n ** 24n, 2n ** 15n, 2n ** 24n]), true);
    assert.equal(await f.contract.read.isValidJob([1, 1n, 2n ** 15n + 1n, 1n]), false);
  });
});
