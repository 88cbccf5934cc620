// Gas per ServerContract operation on Hardhat's in-process EDR chain (default hardfork = today's
// mainnet rules), beside a plain ETH transfer measured in the same run.
//   npm run bench:gas            → table
//   npm run bench:gas -- --json  → JSON
import { createHash } from "node:crypto";
import { network } from "hardhat";
import { type Hex, bytesToHex, keccak256, parseEther, toHex } from "viem";
import { serverContractBytecode } from "@pekanu/protocol/contract";
import { inclusionProof, leafHash, nodeSha256, rootFromInclusion } from "@pekanu/protocol/node";
import { type Quote, localDevParams, serverContractAbi, quoteTypedData, receiptFor, receiptTypedData } from "@pekanu/protocol";

const json = process.argv.includes("--json");
const log = (line: string) => {
  if (!json) process.stderr.write(`${line}\n`);
};

const { viem, networkHelpers } = await network.create();
const publicClient = await viem.getPublicClient();
const wallets = await viem.getWalletClients();
const [owner, signer] = wallets;
const clients = wallets.slice(2, 8);
const params = { ...localDevParams, challengeCooldown: 0n };

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
await measure("refund", contract.write.refund([refunded.quote], { account: owner.account }));

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
await measure("challengeStorage", contract.write.challengeStorage([big.quote, bigLink, bigSig], { account: alice.account, value: params.challengeBond }), 75_000n);
const [, , chunkIndex] = await contract.read.pendingOf([big.quote.orderId]);
const chunk = chunkAt(Number(chunkIndex));
const proof = inclusionProof({ leafHashes, index: Number(chunkIndex), sha256: nodeSha256 });
const respondData = { chunk, proof };
const respondReceipt = await measure(
  "respondStorage (2^20 chunks, 20-level proof)",
  contract.write.respondStorage([big.quote.orderId, big.quote.size, bytesToHex(chunk), proof]),
  95_000n,
);
const respondTx = await publicClient.getTransaction({ hash: respondReceipt.transactionHash });
const calldata = Buffer.from(respondTx.input.slice(2), "hex");
let zeros = 0;
for (const b of calldata) if (b === 0) zeros++;
const tokens = BigInt(zeros + (calldata.length - zeros) * 4);
const floor = 21_000n + 10n * tokens; // EIP-7623 floor: 10 gas per calldata token
rows[rows.length - 1]!.note = `EIP-7623 calldata floor ${floor} (${calldata.length} bytes calldata, chunk ${respondData.chunk.length} B, ${respondData.proof.length} proof nodes)`;

// A challenge left unanswered: penalty.
const lost = await quoteFor(alice, { fileRoot, size: BigInt(CHUNKS) * 1024n });
await contract.write.pay([lost.quote, lost.sig], { account: alice.account, value: lost.quote.price });
const lostSig = await signer.signTypedData({ account: signer.account, ...receiptTypedData({ domain, receipt: receiptFor({ quote: lost.quote, link: bigLink }) }) });
await contract.write.challengeStorage([lost.quote, bigLink, lostSig], { account: alice.account, value: params.challengeBond });
await networkHelpers.time.increase(Number(params.responseWindow) + 1);
await measure("claimPenalty (storage)", contract.write.claimPenalty([lost.quote], { account: alice.account }), 50_000n);

const baseline = rows[0]!.gasUsed;
const report = {
  chain: "EDR (hardhat in-process), default hardfork",
  baselineTransferGas: baseline.toString(),
  bytecodeBytes: bytecodeSize,
  bytecodeLimit: 24_576,
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
}
