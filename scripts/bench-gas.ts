// Gas per ServerContract operation on Hardhat's in-process EDR chain (default hardfork = today's
// mainnet rules), beside a plain ETH transfer measured in the same run; batch costs per order in a
// batch of 100; the bond split and minimum-fine arithmetic at 1, 10, 30 and 100 gwei (public params).
//   npm run bench:gas            → table
//   npm run bench:gas -- --json  → JSON
import { createHash } from "node:crypto";
import { network } from "hardhat";
import { type Hex, bytesToHex, keccak256, parseEther, parseEventLogs, toHex } from "viem";
import { serverContractBytecode } from "@pekanu/protocol/contract";
import { inclusionProof, leafHash, nodeSha256, rootFromInclusion } from "@pekanu/protocol/node";
import {
  type Quote,
  bondSplit,
  localDevParams,
  publicChainParams,
  serverContractAbi,
  quoteTypedData,
  receiptFor,
  receiptTypedData,
} from "@pekanu/protocol";

const json = process.argv.includes("--json");
const log = (line: string) => {
  if (!json) process.stderr.write(`${line}\n`);
};

const { viem, networkHelpers } = await network.create();
const publicClient = await viem.getPublicClient();
const wallets = await viem.getWalletClients();
const [owner, signer] = wallets;
const clients = wallets.slice(2, 8);
const params = { ...localDevParams, challengeCooldown: 0n, minFine: parseEther("0.001"), fineLockLimit: parseEther("10000") };

type Row = { operation: string; gasUsed: bigint; target?: bigint; note?: string };
const rows: Row[] = [];
async function measure(operation: string, hash: Hex | Promise<Hex>, target?: bigint, note?: string) {
  const receipt = await publicClient.waitForTransactionReceipt({ hash: await hash });
  if (receipt.status !== "success") throw new Error(`${operation} reverted`);
  rows.push({ operation, gasUsed: receipt.gasUsed, target, note });
  log(`measured ${operation}: ${receipt.gasUsed}`);
  return receipt;
}

// Baseline: a plain ETH transfer to an address that never held ETH.
await measure("eth transfer (baseline)", owner.sendTransaction({ to: "0x000000000000000000000000000000000000dEaD", value: 1n }));

const deployHash = await owner.deployContract({
  abi: serverContractAbi,
  bytecode: serverContractBytecode,
  args: [signer.account.address, params],
  value: parseEther("100"),
});
const deployReceipt = await measure("deploy (with stake)", deployHash);
const contract = await viem.getContractAt("ServerContract", deployReceipt.contractAddress!);
const domain = { chainId: await publicClient.getChainId(), verifyingContract: contract.address };
const bytecodeSize = ((await publicClient.getCode({ address: contract.address })) ?? "0x").length / 2 - 1;

const [alice, bob] = clients;
await measure("registerClient", contract.write.registerClient([alice.account.address], { account: owner.account }), 50_000n);
const batch = Array.from({ length: 100 }, (_, i) => `0x${(0x1000n + BigInt(i)).toString(16).padStart(40, "0")}` as Hex);
const batchReceipt = await publicClient.waitForTransactionReceipt({
  hash: await contract.write.registerClients([batch], { account: owner.account }),
});
rows.push({ operation: "registerClients (100), per client", gasUsed: batchReceipt.gasUsed / 100n, target: 25_000n, note: `total ${batchReceipt.gasUsed}` });
await contract.write.registerClient([bob.account.address], { account: owner.account });

let n = 0;
async function quoteFor(client: (typeof clients)[number], overrides: Partial<Quote> = {}) {
  const t = BigInt(await networkHelpers.time.latest());
  n += 1;
  const quote: Quote = {
    orderId: keccak256(toHex(`bench-${n}`)),
    client: client.account.address,
    fileRoot: keccak256(toHex(`root-${n}`)),
    size: 1n << 30n,
    price: parseEther("0.01"),
    fine: parseEther("0.05"),
    storageUntil: t + 100_000n,
    expiresAt: t + 600n,
    ...overrides,
  };
  const sig = await signer.signTypedData({ account: signer.account, ...quoteTypedData({ domain, quote }) });
  return { quote, sig };
}

// Honest cycle: pay, settle, release, withdraw.
const honest = await quoteFor(alice);
const payReceipt = await measure("pay", contract.write.pay([honest.quote, honest.sig], { account: alice.account, value: honest.quote.price }), 75_000n);
await networkHelpers.time.increase(Number(params.settleDelay) + 1);
const settleReceipt = await measure("settle", contract.write.settle([honest.quote]), 50_000n);
await networkHelpers.time.increaseTo(Number(honest.quote.storageUntil));
const releaseReceipt = await measure("release", contract.write.release([honest.quote]), 50_000n);
rows.push({
  operation: "honest cycle (pay + settle + release)",
  gasUsed: payReceipt.gasUsed + settleReceipt.gasUsed + releaseReceipt.gasUsed,
  target: 175_000n,
});
await measure("withdraw (provider)", contract.write.withdraw({ account: owner.account }), 50_000n);

// Delivery dispute answered with σ.
const disputed = await quoteFor(alice);
await contract.write.pay([disputed.quote, disputed.sig], { account: alice.account, value: disputed.quote.price });
await measure("disputeDelivery", contract.write.disputeDelivery([disputed.quote], { account: alice.account }));
const link = `/v1/files/${disputed.quote.fileRoot}`;
const receiptSig = await signer.signTypedData({ account: signer.account, ...receiptTypedData({ domain, receipt: receiptFor({ quote: disputed.quote, link }) }) });
await measure("publishReceipt", contract.write.publishReceipt([disputed.quote, link, receiptSig]));

// Refund.
const refunded = await quoteFor(bob);
await contract.write.pay([refunded.quote, refunded.sig], { account: bob.account, value: refunded.quote.price });
await contract.write.disputeDelivery([refunded.quote], { account: bob.account });
await measure("refund (answering a delivery dispute)", contract.write.refund([refunded.quote], { account: owner.account }));

// Penalty after an unanswered delivery dispute, then the client's withdrawal.
const silent = await quoteFor(bob);
await contract.write.pay([silent.quote, silent.sig], { account: bob.account, value: silent.quote.price });
await contract.write.disputeDelivery([silent.quote], { account: bob.account });
await networkHelpers.time.increase(Number(params.responseWindow) + 1);
await measure("claimPenalty (delivery)", contract.write.claimPenalty([silent.quote], { account: bob.account }), 50_000n);
await measure("withdraw (client)", contract.write.withdraw({ account: bob.account }), 50_000n);

// Storage challenge on a 1 GiB file (2^20 chunks), answered with a 20-level proof.
log("building the Merkle tree of a 1 GiB file (2^20 chunks)...");
const CHUNKS = 1 << 20;
const chunkAt = (i: number): Uint8Array => {
  const seed = createHash("sha256").update(`chunk-${i}`).digest();
  const out = new Uint8Array(1024);
  for (let k = 0; k < 32; k++) out.set(seed, k * 32);
  return out;
};
const leafHashes = Array.from({ length: CHUNKS }, (_, i) => leafHash(chunkAt(i), { sha256: nodeSha256, to: "bytes" }));
const fileRoot = rootFromInclusion({
  leafHash: leafHashes[0]!,
  index: 0,
  treeSize: CHUNKS,
  proof: inclusionProof({ leafHashes, index: 0, sha256: nodeSha256 }),
  sha256: nodeSha256,
});
const big = await quoteFor(alice, { fileRoot, size: BigInt(CHUNKS) * 1024n });
await contract.write.pay([big.quote, big.sig], { account: alice.account, value: big.quote.price });
const bigLink = `/v1/files/${fileRoot}`;
const bigSig = await signer.signTypedData({ account: signer.account, ...receiptTypedData({ domain, receipt: receiptFor({ quote: big.quote, link: bigLink }) }) });
const bigIndex = 777_777n; // any index: an honest provider answers every index at the same cost
const challengeReceipt = await measure(
  "challengeStorage (1 named chunk, σ checked)",
  contract.write.challengeStorage([big.quote, bigLink, bigSig, [bigIndex]], { account: alice.account, value: params.challengeBond }),
  75_000n,
);
void challengeReceipt;
const [, , chunkIndex] = await contract.read.pendingOf([big.quote.orderId]);
const chunk = chunkAt(Number(chunkIndex));
const proof = inclusionProof({ leafHashes, index: Number(chunkIndex), sha256: nodeSha256 });
const respondReceipt = await measure(
  "respondStorage (1 chunk of 2^20, 20-level proof)",
  contract.write.respondStorage([big.quote.orderId, big.quote.size, [bytesToHex(chunk)], [proof], alice.account.address]),
  95_000n,
);
const floorOf = async (hash: Hex) => {
  const tx = await publicClient.getTransaction({ hash });
  const calldata = Buffer.from(tx.input.slice(2), "hex");
  let zeros = 0;
  for (const b of calldata) if (b === 0) zeros++;
  const tokens = BigInt(zeros + (calldata.length - zeros) * 4);
  return { floor: 21_000n + 10n * tokens, bytes: calldata.length }; // EIP-7623 floor: 10 gas per calldata token
};
const respondFloor = await floorOf(respondReceipt.transactionHash);
const respondBlock = await publicClient.getBlock({ blockNumber: respondReceipt.blockNumber });
const [proven] = parseEventLogs({ abi: serverContractAbi, eventName: "StorageProven", logs: respondReceipt.logs });
const answerPaid = proven!.args.paidToProvider;
rows[rows.length - 1]!.note = `EIP-7623 calldata floor ${respondFloor.floor}${respondReceipt.gasUsed === respondFloor.floor ? " = gasUsed (at the floor)" : ""}; ${respondFloor.bytes} bytes calldata; provider paid ${answerPaid} wei at base fee ${respondBlock.baseFeePerGas} (answer's gas × base fee ${respondReceipt.gasUsed * respondBlock.baseFeePerGas!})`;
const answerBound = bondSplit({ params, size: big.quote.size, count: 1n, baseFee: 1n }).answerGas;
rows.push({ operation: "answer gas bound (contract's ANSWER_GAS_*), 1 chunk of 1 GiB", gasUsed: answerBound, note: `≥ measured ${respondReceipt.gasUsed}: ${answerBound >= respondReceipt.gasUsed ? "yes" : "NO"}` });

// Every index answers at the same cost: first, middle, last chunk.
for (const index of [0n, BigInt(CHUNKS / 2 + 1), BigInt(CHUNKS - 1)]) {
  const q = await quoteFor(alice, { fileRoot, size: BigInt(CHUNKS) * 1024n });
  await contract.write.pay([q.quote, q.sig], { account: alice.account, value: q.quote.price });
  const s = await signer.signTypedData({ account: signer.account, ...receiptTypedData({ domain, receipt: receiptFor({ quote: q.quote, link: bigLink }) }) });
  await contract.write.challengeStorage([q.quote, bigLink, s, [index]], { account: alice.account, value: params.challengeBond });
  const c = chunkAt(Number(index));
  const p = inclusionProof({ leafHashes, index: Number(index), sha256: nodeSha256 });
  await measure(`respondStorage, chunk #${index}`, contract.write.respondStorage([q.quote.orderId, q.quote.size, [bytesToHex(c)], [p], alice.account.address]), 95_000n);
}

// A delivered order: σ not needed again; K = 4 named chunks answered in one transaction.
{
  const q = await quoteFor(alice, { fileRoot, size: BigInt(CHUNKS) * 1024n });
  await contract.write.pay([q.quote, q.sig], { account: alice.account, value: q.quote.price });
  const s = await signer.signTypedData({ account: signer.account, ...receiptTypedData({ domain, receipt: receiptFor({ quote: q.quote, link: bigLink }) }) });
  await contract.write.challengeStorage([q.quote, bigLink, s, [1n]], { account: alice.account, value: params.challengeBond });
  await contract.write.respondStorage([q.quote.orderId, q.quote.size, [bytesToHex(chunkAt(1))], [inclusionProof({ leafHashes, index: 1, sha256: nodeSha256 })], alice.account.address]);
  await measure("challengeStorage (1 chunk, delivered: no σ)", contract.write.challengeStorage([q.quote, "", "0x", [5n]], { account: alice.account, value: params.challengeBond }), 75_000n);
  await contract.write.respondStorage([q.quote.orderId, q.quote.size, [bytesToHex(chunkAt(5))], [inclusionProof({ leafHashes, index: 5, sha256: nodeSha256 })], alice.account.address]);
  const four = [10n, 20_000n, 500_000n, 1_048_575n];
  await measure("challengeStorage (4 chunks, delivered)", contract.write.challengeStorage([q.quote, "", "0x", four], { account: alice.account, value: params.challengeBond * 4n }));
  const r4 = await measure(
    "respondStorage (4 chunks of 2^20)",
    contract.write.respondStorage([q.quote.orderId, q.quote.size, four.map((i) => bytesToHex(chunkAt(Number(i)))), four.map((i) => inclusionProof({ leafHashes, index: Number(i), sha256: nodeSha256 })), alice.account.address]),
  );
  const f4 = await floorOf(r4.transactionHash);
  const bound4 = bondSplit({ params, size: q.quote.size, count: 4n, baseFee: 1n }).answerGas;
  rows[rows.length - 1]!.note = `floor ${f4.floor}; gas bound ${bound4} ≥ measured: ${bound4 >= r4.gasUsed ? "yes" : "NO"}`;
}

// A challenge left unanswered: penalty.
const lost = await quoteFor(alice, { fileRoot, size: BigInt(CHUNKS) * 1024n });
await contract.write.pay([lost.quote, lost.sig], { account: alice.account, value: lost.quote.price });
const lostSig = await signer.signTypedData({ account: signer.account, ...receiptTypedData({ domain, receipt: receiptFor({ quote: lost.quote, link: bigLink }) }) });
await contract.write.challengeStorage([lost.quote, bigLink, lostSig, [3n]], { account: alice.account, value: params.challengeBond });
await networkHelpers.time.increase(Number(params.responseWindow) + 1);
await measure("claimPenalty (storage)", contract.write.claimPenalty([lost.quote], { account: alice.account }), 50_000n);

// Batches of 100: one payment for a folder, then settle and release in one transaction each.
{
  const BATCH = 100;
  const carol = clients[2]!;
  await contract.write.registerClient([carol.account.address], { account: owner.account });
  const quotes: Quote[] = [];
  const sigs: Hex[] = [];
  for (let i = 0; i < BATCH; i++) {
    const { quote, sig } = await quoteFor(carol, { size: 1n << 20n, price: parseEther("0.0001"), fine: parseEther("0.001") });
    quotes.push(quote);
    sigs.push(sig);
  }
  const total = quotes.reduce((sum, q) => sum + q.price, 0n);
  const payB = await publicClient.waitForTransactionReceipt({ hash: await contract.write.payBatch([quotes, sigs], { account: carol.account, value: total, gas: 15_000_000n }) });
  if (payB.status !== "success") throw new Error("payBatch reverted");
  rows.push({ operation: `payBatch (${BATCH}), per order`, gasUsed: payB.gasUsed / BigInt(BATCH), target: 45_000n, note: `total ${payB.gasUsed}` });
  await networkHelpers.time.increase(Number(params.settleDelay) + 1);
  const setB = await publicClient.waitForTransactionReceipt({ hash: await contract.write.settleBatch([quotes], { gas: 15_000_000n }) });
  rows.push({ operation: `settleBatch (${BATCH}), per order`, gasUsed: setB.gasUsed / BigInt(BATCH), target: 15_000n, note: `total ${setB.gasUsed}` });
  await networkHelpers.time.increaseTo(Number(quotes[BATCH - 1]!.storageUntil));
  const relB = await publicClient.waitForTransactionReceipt({ hash: await contract.write.releaseBatch([quotes], { gas: 15_000_000n }) });
  rows.push({ operation: `releaseBatch (${BATCH}), per order`, gasUsed: relB.gasUsed / BigInt(BATCH), target: 15_000n, note: `total ${relB.gasUsed}` });
}

// Bond arithmetic with the public-chain parameters (the contract's bondSplit, read on chain).
const publicContract = await viem.deployContract("ServerContract", [signer.account.address, publicChainParams], { client: { wallet: owner } });
const GWEI = 1_000_000_000n;
const bondRows: { gwei: number; answerGas: string; answerCostAtBaseFee: string; toProvider: string; toClient: string; providerCovered: boolean }[] = [];
const measuredAnswer = respondReceipt.gasUsed;
for (const gwei of [1, 10, 30, 100]) {
  const [gas, toProvider, toClient] = await publicContract.read.bondSplit([1n << 30n, 1n, BigInt(gwei) * GWEI]);
  const cost = measuredAnswer * BigInt(gwei) * GWEI;
  bondRows.push({ gwei, answerGas: gas.toString(), answerCostAtBaseFee: cost.toString(), toProvider: toProvider.toString(), toClient: toClient.toString(), providerCovered: toProvider >= cost });
}
const coveredUpTo = Number(publicChainParams.challengeBond / (measuredAnswer * GWEI));

// Minimum fine: a client's whole enforcement gas (challenge + claimPenalty + withdraw) at a stated price.
const gasOf = (name: string) => rows.find((r) => r.operation.startsWith(name))!.gasUsed;
const enforcementGas = gasOf("challengeStorage (1 named chunk") + gasOf("claimPenalty (storage)") + gasOf("withdraw (client)");
const deliveryEnforcementGas = gasOf("disputeDelivery") + gasOf("claimPenalty (delivery)") + gasOf("withdraw (client)");
const fineRows = [1, 10, 30, 100, 125].map((gwei) => {
  const cost = enforcementGas * BigInt(gwei) * GWEI;
  return { gwei, enforcementCost: cost.toString(), minFine: publicChainParams.minFine.toString(), covered: publicChainParams.minFine >= cost };
});

const baseline = rows[0]!.gasUsed;
const report = {
  chain: "EDR (hardhat in-process), default hardfork",
  baselineTransferGas: baseline.toString(),
  bytecodeBytes: bytecodeSize,
  bytecodeLimit: 24_576,
  bond: {
    params: "publicChainParams",
    challengeBondPerChunk: publicChainParams.challengeBond.toString(),
    bondMarginPercent: publicChainParams.bondMarginPercent.toString(),
    measuredAnswerGas1GiB: measuredAnswer.toString(),
    bondCoversMeasuredAnswerUpToGwei: coveredUpTo,
    rows: bondRows,
  },
  minFine: {
    params: "publicChainParams",
    minFine: publicChainParams.minFine.toString(),
    enforcementGasStorage: enforcementGas.toString(),
    enforcementGasDelivery: deliveryEnforcementGas.toString(),
    coversUpToGwei: Number(publicChainParams.minFine / (enforcementGas * GWEI)),
    rows: fineRows,
  },
  rows: rows.map((r) => ({
    operation: r.operation,
    gasUsed: r.gasUsed.toString(),
    ratioToTransfer: Number(r.gasUsed) / Number(baseline),
    target: r.target?.toString() ?? null,
    met: r.target === undefined ? null : r.gasUsed <= r.target,
    note: r.note ?? null,
  })),
};

if (json) {
  console.log(JSON.stringify(report, null, 2));
} else {
  const pad = (s: string, w: number) => s.padEnd(w);
  console.log(`${pad("operation", 46)}${pad("gasUsed", 10)}${pad("× transfer", 12)}${pad("target", 10)}met`);
  for (const r of report.rows) {
    console.log(`${pad(r.operation, 46)}${pad(r.gasUsed, 10)}${pad(r.ratioToTransfer.toFixed(2), 12)}${pad(r.target ?? "-", 10)}${r.met === null ? "-" : r.met ? "yes" : "NO"}${r.note ? `  (${r.note})` : ""}`);
  }
  console.log(`bytecode size: ${bytecodeSize} bytes (limit 24576) ${bytecodeSize < 24_576 ? "yes" : "NO"}`);
  const eth = (wei: string) => `${(Number(wei) / 1e18).toFixed(6)} ETH`;
  console.log(`\nbond split, public params (bond ${eth(publicChainParams.challengeBond.toString())} per chunk, margin ${publicChainParams.bondMarginPercent}%), one chunk of a 1 GiB file, measured answer ${measuredAnswer} gas:`);
  console.log(`${pad("base fee", 10)}${pad("answer cost", 18)}${pad("to provider", 18)}${pad("back to client", 18)}covered`);
  for (const r of bondRows) console.log(`${pad(`${r.gwei} gwei`, 10)}${pad(eth(r.answerCostAtBaseFee), 18)}${pad(eth(r.toProvider), 18)}${pad(eth(r.toClient), 18)}${r.providerCovered ? "yes" : "NO"}`);
  console.log(`the bond pays the measured answer in full up to ${coveredUpTo} gwei (the answer gas bound × margin up to ${Number(publicChainParams.challengeBond / (bondSplit({ params: publicChainParams, size: 1n << 30n, count: 1n, baseFee: 1n }).answerGas * publicChainParams.bondMarginPercent / 100n) / GWEI)} gwei)`);
  console.log(`\nminimum fine ${eth(publicChainParams.minFine.toString())} vs a client's enforcement gas: storage ${enforcementGas} (challenge + claim + withdraw), delivery ${deliveryEnforcementGas}:`);
  for (const r of fineRows) console.log(`${pad(`${r.gwei} gwei`, 10)}enforcement ${pad(eth(r.enforcementCost), 18)}covered by minFine: ${r.covered ? "yes" : "NO"}`);
  console.log(`minFine covers the storage enforcement up to ${report.minFine.coversUpToGwei} gwei`);
}
