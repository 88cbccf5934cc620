// One-item fraud proofs: property tests over random dimensions and random wrong entries (every
// wrong entry is provable, no correct entry is), both kernels, and the attacks: another job's
// inputs, transposed or shifted lines, a correct entry, a tampered result chunk, another job's
// receipt, a replay, after settlement, after the window. Every refusal leaves everything unchanged.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { computeContractAbi } from "@pekanu/protocol/contract";
import fc from "fast-check";
import { type Hex, getAddress } from "viem";
import { FIELD_PRIME, KERNEL, JobState, decodeMatrix, encodeMatrix, fraudProofGasBound, matrixGeometry } from "@pekanu/protocol/compute";
import {
  type ComputeFixture,
  COMPUTE_STAKE,
  deployComputeFixture,
  itemProof,
  makeJobFiles,
  testComputeParams,
  withWrongItem,
} from "./computeFixture.ts";

/** The contract's custom errors (its own and OpenZeppelin's), by name. */
type ErrorName = Extract<(typeof computeContractAbi)[number], { type: "error" }>["name"];

const GAS = 5_000_000n;

async function rejects(f: ComputeFixture, call: Promise<unknown>, error: ErrorName, args: readonly unknown[]) {
  await f.viem.assertions.revertWithCustomErrorWithArgs(call, f.contract, error, args as never);
}

async function refusedUnchanged(f: ComputeFixture, jobIds: Hex[], call: () => Promise<unknown>, error: ErrorName, args: readonly unknown[]) {
  const before = await f.snapshot(jobIds);
  await rejects(f, call(), error, args);
  assert.deepEqual(await f.snapshot(jobIds), before);
}

describe("fraud proofs: properties", () => {
  it("matmul, random dims: every wrong entry is provable (price + fine credited), no correct entry is", async () => {
    const f = await deployComputeFixture({ stake: 1000n * 10n ** 18n });
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 600 }),
        fc.integer({ min: 1, max: 520 }),
        fc.nat(),
        fc.nat(),
        fc.integer({ min: 1, max: FIELD_PRIME - 1 }),
        async (m, k, n, iSeed, jSeed, delta) => {
          const files = makeJobFiles({ m, k, n });
          const [i, j] = [iSeed % m, jSeed % n];
          const correct = decodeMatrix(files.result).matrix.data[i * n + j]!;
          const bad = withWrongItem(files, i, j, (correct + delta) % FIELD_PRIME);
          const job = await f.paidJob({ files, result: bad });
          // a correct entry of the same (wrong) result: refused
          const [ci, cj] = [(i + 1) % m, (j + 1) % n];
          if (ci !== i || cj !== j) {
            await refusedUnchanged(
              f,
              [job.quote.jobId],
              () => f.contract.write.proveFraud([job.quote, job.result, job.receiptSig, itemProof(files, bad, ci, cj)], { gas: GAS }),
              "ComputeContractResultCorrect",
              [BigInt(ci), BigInt(cj)],
            );
          }
          const before = await f.contract.read.withdrawable([f.alice.account.address]);
          const hash = await f.contract.write.proveFraud([job.quote, job.result, job.receiptSig, itemProof(files, bad, i, j)], { gas: GAS });
          assert.equal(await f.contract.read.withdrawable([f.alice.account.address]), before + job.quote.price + job.quote.fine);
          // the gas bound providers quote fines with holds
          const { gasUsed } = await f.publicClient.getTransactionReceipt({ hash });
          assert.ok(gasUsed <= fraudProofGasBound({ kernel: KERNEL.matmul, m, k, n }), `gas ${gasUsed} above the bound for ${m}×${k}×${n}`);
          const [state] = await f.contract.read.jobOf([job.quote.jobId]);
          assert.equal(state, JobState.Fraudulent);
        },
      ),
      { numRuns: 12 },
    );
  });

  it("matmul, correct results: no entry of a correct result is provable", async () => {
    const f = await deployComputeFixture();
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 700 }), fc.integer({ min: 1, max: 300 }), fc.nat(), fc.nat(), async (m, k, n, iSeed, jSeed) => {
        const files = makeJobFiles({ m, k, n });
        const job = await f.paidJob({ files });
        const [i, j] = [iSeed % m, jSeed % n];
        await refusedUnchanged(
          f,
          [job.quote.jobId],
          () => f.contract.write.proveFraud([job.quote, job.result, job.receiptSig, itemProof(files, files.result, i, j)], { gas: GAS }),
          "ComputeContractResultCorrect",
          [BigInt(i), BigInt(j)],
        );
      }),
      { numRuns: 10 },
    );
  });

  it("an entry that is not a field element (≥ p, though ≡ the right value) is provable", async () => {
    const f = await deployComputeFixture();
    const files = makeJobFiles({ m: 2, k: 7, n: 3 });
    const bad = files.result.slice();
    const view = new DataView(bad.buffer);
    const at = (1 * 256 + 2) * 4; // C[1][2]: row 1 starts at chunk 1
    view.setUint32(at, view.getUint32(at, true) + FIELD_PRIME, true);
    const job = await f.paidJob({ files, result: bad });
    await f.contract.write.proveFraud([job.quote, job.result, job.receiptSig, itemProof(files, bad, 1, 2)]);
    assert.equal(await f.contract.read.withdrawable([f.alice.account.address]), job.quote.price + job.quote.fine);
  });

  it("polyEval (the second kernel): a wrong y_j is provable, a correct one is not", async () => {
    const f = await deployComputeFixture();
    for (const [k, n, j] of [[1, 1, 0], [300, 600, 555], [1024, 5, 4]] as const) {
      const files = makeJobFiles({ kernel: KERNEL.polyEval, m: 1, k, n });
      const bad = withWrongItem(files, 0, j);
      const job = await f.paidJob({ files, result: bad });
      if (n > 1) {
        await refusedUnchanged(
          f,
          [job.quote.jobId],
          () => f.contract.write.proveFraud([job.quote, job.result, job.receiptSig, itemProof(files, bad, 0, (j + 1) % n)], { gas: GAS }),
          "ComputeContractResultCorrect",
          [0n, BigInt((j + 1) % n)],
        );
      }
      const before = await f.contract.read.withdrawable([f.alice.account.address]);
      const hash = await f.contract.write.proveFraud([job.quote, job.result, job.receiptSig, itemProof(files, bad, 0, j)], { gas: GAS });
      const { gasUsed } = await f.publicClient.getTransactionReceipt({ hash });
      assert.ok(gasUsed <= fraudProofGasBound({ kernel: KERNEL.polyEval, m: 1, k, n }), `gas ${gasUsed} above the bound for polyEval ${k}×${n}`);
      assert.equal(await f.contract.read.withdrawable([f.alice.account.address]), before + job.quote.price + job.quote.fine);
    }
  });
});

describe("fraud proofs: attacks", () => {
  async function wrongJob(f: ComputeFixture, dims = { m: 3, k: 300, n: 4 }) {
    const files = makeJobFiles(dims);
    const bad = withWrongItem(files, 1, 2);
    return { ...(await f.paidJob({ files, result: bad })), bad };
  }

  it("with another job's inputs (same shape): refused, the A piece does not match this job's root", async () => {
    const f = await deployComputeFixture();
    const job = await wrongJob(f);
    const other = makeJobFiles({ m: 3, k: 300, n: 4 });
    const proof = itemProof({ ...job.files, a: other.a, b: other.b }, job.bad, 1, 2);
    await refusedUnchanged(f, [job.quote.jobId], () => f.contract.write.proveFraud([job.quote, job.result, job.receiptSig, proof], { gas: GAS }), "ComputeContractInvalidProof", [job.quote.jobId, 0]);
    // only B swapped: the B piece fails
    const proofB = itemProof({ ...job.files, b: other.b }, job.bad, 1, 2);
    await refusedUnchanged(f, [job.quote.jobId], () => f.contract.write.proveFraud([job.quote, job.result, job.receiptSig, proofB], { gas: GAS }), "ComputeContractInvalidProof", [job.quote.jobId, 1]);
  });

  it("with B transposed (a row of B for a column), or a shifted row of A or column of B: refused", async () => {
    const f = await deployComputeFixture();
    const files = makeJobFiles({ m: 4, k: 4, n: 4 });
    const bad = withWrongItem(files, 1, 2);
    const job = await f.paidJob({ files, result: bad });
    const B = decodeMatrix(files.b).matrix;
    const bRows = encodeMatrix({ matrix: B, layout: "rows" }); // same size, lines are rows: B not transposed
    const transposed = itemProof({ ...files, b: bRows }, bad, 1, 2);
    await refusedUnchanged(f, [job.quote.jobId], () => f.contract.write.proveFraud([job.quote, job.result, job.receiptSig, transposed], { gas: GAS }), "ComputeContractInvalidProof", [job.quote.jobId, 1]);
    // the pieces of (2, 2) claimed as item (1, 2): row 2 of A is not at row 1's position
    const shiftedRow = { ...itemProof(files, bad, 2, 2), i: 1 };
    await refusedUnchanged(f, [job.quote.jobId], () => f.contract.write.proveFraud([job.quote, job.result, job.receiptSig, shiftedRow], { gas: GAS }), "ComputeContractInvalidProof", [job.quote.jobId, 0]);
    // A's row and C's chunk right, B's column j+1 in place of column j
    const right = itemProof(files, bad, 1, 2);
    const next = itemProof(files, bad, 1, 3);
    const shiftedColumn = { ...right, bData: next.bData, bProof: next.bProof };
    await refusedUnchanged(f, [job.quote.jobId], () => f.contract.write.proveFraud([job.quote, job.result, job.receiptSig, shiftedColumn], { gas: GAS }), "ComputeContractInvalidProof", [job.quote.jobId, 1]);
  });

  it("with a tampered result chunk (the client edits C to fake a wrong entry): refused", async () => {
    const f = await deployComputeFixture();
    const files = makeJobFiles({ m: 2, k: 3, n: 2 });
    const job = await f.paidJob({ files });
    const proof = itemProof(files, files.result, 0, 0);
    const tampered = { ...proof, cData: (`0x${(proof.cData.slice(2, 4) === "ff" ? "00" : "ff")}${proof.cData.slice(4)}`) as Hex };
    await refusedUnchanged(f, [job.quote.jobId], () => f.contract.write.proveFraud([job.quote, job.result, job.receiptSig, tampered], { gas: GAS }), "ComputeContractInvalidProof", [job.quote.jobId, 2]);
  });

  it("with another job's receipt, or a receipt the signer never signed: refused", async () => {
    const f = await deployComputeFixture();
    const job = await wrongJob(f);
    const other = await wrongJob(f);
    const proof = itemProof(job.files, job.bad, 1, 2);
    // recovering another message's signature yields an unrelated address: named in the error
    const before = await f.snapshot([job.quote.jobId]);
    await f.viem.assertions.revertWithCustomError(
      f.contract.write.proveFraud([job.quote, job.result, other.receiptSig, proof], { gas: GAS }),
      f.contract,
      "ComputeContractInvalidReceiptSignature",
    );
    const forged = await f.signReceipt(job.quote, job.result, f.bob);
    await rejects(f, f.contract.write.proveFraud([job.quote, job.result, forged, proof], { gas: GAS }), "ComputeContractInvalidReceiptSignature", [getAddress(f.bob.account.address)]);
    assert.deepEqual(await f.snapshot([job.quote.jobId]), before);
  });

  it("replayed, after settlement, after the window: refused; the first proof is paid exactly once", async () => {
    const f = await deployComputeFixture();
    const job = await wrongJob(f);
    const proof = itemProof(job.files, job.bad, 1, 2);
    await f.contract.write.proveFraud([job.quote, job.result, job.receiptSig, proof]);
    const credited = await f.contract.read.withdrawable([f.alice.account.address]);
    assert.equal(credited, job.quote.price + job.quote.fine);
    await refusedUnchanged(f, [job.quote.jobId], () => f.contract.write.proveFraud([job.quote, job.result, job.receiptSig, proof], { gas: GAS }), "ComputeContractInvalidState", [job.quote.jobId, JobState.Fraudulent]);
    assert.deepEqual(await f.contract.read.stake(), [COMPUTE_STAKE - job.quote.fine, 0n]);

    const settled = await wrongJob(f);
    const closes = settled.quote.deliverBy + testComputeParams.verifyWindow;
    await f.networkHelpers.time.setNextBlockTimestamp(closes);
    const lateProof = itemProof(settled.files, settled.bad, 1, 2);
    await refusedUnchanged(f, [settled.quote.jobId], () => f.contract.write.proveFraud([settled.quote, settled.result, settled.receiptSig, lateProof], { gas: GAS }), "ComputeContractTooLate", [closes]);
    await f.contract.write.settle([settled.quote]);
    await refusedUnchanged(f, [settled.quote.jobId], () => f.contract.write.proveFraud([settled.quote, settled.result, settled.receiptSig, lateProof], { gas: GAS }), "ComputeContractInvalidState", [settled.quote.jobId, JobState.Settled]);
  });

  it("during an open result challenge a fraud proof also returns the bond", async () => {
    const f = await deployComputeFixture();
    const job = await wrongJob(f);
    await f.contract.write.challengeResult([job.quote, job.result, job.receiptSig, 0n], { account: f.alice.account, value: testComputeParams.challengeBond });
    await f.contract.write.proveFraud([job.quote, job.result, job.receiptSig, itemProof(job.files, job.bad, 1, 2)]);
    assert.equal(await f.contract.read.withdrawable([f.alice.account.address]), job.quote.price + job.quote.fine + testComputeParams.challengeBond);
    const [total, locked] = await f.contract.read.stake();
    assert.equal(locked, 0n);
    assert.equal(await f.publicClient.getBalance({ address: f.contract.address }), total + job.quote.price + job.quote.fine + testComputeParams.challengeBond);
    assert.equal(getAddress(job.quote.client), getAddress(f.alice.account.address));
    assert.equal(matrixGeometry({ rows: 3, cols: 4, layout: "rows" }).size, Number(job.result.resultSize));
  });
});
