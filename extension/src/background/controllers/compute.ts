// The compute controller: jobs on the client's stored files (issue 14). Asks the provider for a
// signed job price, checks it, pays ComputeContract.pay through the wallet, follows the job to its
// signed result, records what the page's Freivalds check found, and files the one-entry fraud proof.
// Jobs and their receipts live in the vault ("jobs" store); open ones are followed again after a
// restart (resume), so a closed page or a stopped service worker loses nothing.
import {
  computeDomain,
  jobHash,
  jobQuoteTypedData,
  jobReceiptFor,
  jobReceiptTypedData,
  KERNEL,
  matrixGeometry,
  type ItemProof,
  type JobQuote,
  type JobResult,
} from "@pekanu/protocol/compute";
import { recoverSigner } from "@pekanu/protocol";
import { chunkCount } from "@pekanu/protocol/merkle";
import { hashTypedData, type Address, type Hex } from "viem";
import { humanError, UserFacingError } from "../../lib/errors.ts";
import { createComputeApi, type ComputeApi, type ComputeInfo, type JobQuoteJson, type JobResponse } from "../../lib/compute/computeApi.ts";
import { CHAIN_JOB_STATE, jobKey, OPEN_JOB_STATUSES, type JobAction, type JobChainView, type JobCheck, type JobRecord, type JobStatus } from "../../lib/vault/jobSchema.ts";
import type { VaultRecord } from "../../lib/vault/schema.ts";
import type { ComputeChain } from "../services/computeChain.ts";
import { POLL_LIMIT_MS, TaskRunner, type BackgroundMessenger } from "../types.ts";

export type ComputeQuoteRequest = { kernel: number; a: string; b: string; m: number; k: number; n: number };

export type ComputeBalanceCheck = { balance: string; price: string; networkFee: string; total: string; enough: boolean };

export type ComputeTargets = {
  a: { url: string; token: string | null; size: number; fileRoot: Hex };
  b: { url: string; token: string | null; size: number; fileRoot: Hex };
  result: { url: string; token: string | null; size: number; fileRoot: Hex };
};

export type ComputeState = { jobs: JobRecord[]; credits: { amount: string; readAt: number } | null; info: ComputeInfo | null };

export type ComputeControllerDeps = {
  messenger: BackgroundMessenger;
  chain: Pick<ComputeChain, "signer" | "withdrawable" | "jobOf" | "readJob" | "blockNumber" | "findJobPayment" | "balance" | "maxFeePerGas" | "estimateGas" | "send" | "waitForReceipt">;
  account: () => Promise<Address>;
  fetch?: typeof fetch;
  now?: () => number;
  /** Between two reads of a running job's progress (default 1 s). */
  pollMs?: number;
  /** Between two reads of a followed job's state on chain (default 15 s). */
  chainPollMs?: number;
  sleep?: (ms: number) => Promise<void>;
};

const SHOWN_JOBS = 50;

/** Statuses whose next step is decided on chain (read every chainPollMs while followed). */
const CHAIN_FOLLOWED: ReadonlySet<JobStatus> = new Set(["disputing", "disputed", "challenging", "challenged", "claiming"]);

const problem = (code: string, title: string, message: string) => new UserFacingError(humanError(code, title, message, "none"));

/**
 * The signer of an EIP-712 message, or null for a malformed signature. Synchronous, with
 * @noble/curves (protocol's recoverSigner): viem's recoverTypedDataAddress imports its curve
 * lazily, which an MV3 service worker cannot do after start.
 */
function recoverTyped(typedData: Parameters<typeof hashTypedData>[0], signature: Hex): Address | null {
  try {
    return recoverSigner({ digest: hashTypedData(typedData), signature });
  } catch {
    return null;
  }
}

export function quoteFromJson(q: JobQuoteJson): JobQuote {
  return { ...q, price: BigInt(q.price), fine: BigInt(q.fine), deliverBy: BigInt(q.deliverBy), expiresAt: BigInt(q.expiresAt) };
}

export function resultOf(job: JobRecord): JobResult {
  if (!job.receipt) throw problem("NoResult", "No result yet", "The provider has not signed a result for this job yet.");
  return { resultRoot: job.receipt.resultRoot, resultSize: BigInt(job.receipt.resultSize), link: job.receipt.link };
}

export class ComputeController {
  private jobs: JobRecord[] = [];
  private credits: ComputeState["credits"] = null;
  private info: ComputeInfo | null = null;
  private readonly tasks = new TaskRunner(() => undefined);
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly deps: ComputeControllerDeps) {
    this.now = deps.now ?? Date.now;
    this.sleep = deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    // Another provider: its compute offer and credits are not these.
    deps.messenger.subscribe("session:changed", (slice) => {
      if (!slice.provider && (this.info || this.credits)) {
        this.info = null;
        this.credits = null;
        this.publish();
      }
    });
  }

  get state(): ComputeState {
    return { jobs: this.jobs, credits: this.credits, info: this.info };
  }

  private publish(): void {
    this.deps.messenger.publish("compute:changed", null);
  }

  private vault() {
    return this.deps.messenger.call("vaultdb:open");
  }

  /** Loads the jobs kept in the vault (newest first). */
  async load(): Promise<void> {
    try {
      this.jobs = (await (await this.vault()).listJobs()).slice(0, SHOWN_JOBS);
      this.publish();
    } catch {
      // an unopenable vault shows no jobs; its own requests say why
    }
  }

  /** Follows every job left open (payment or fraud proof not mined, result not signed yet). */
  async resume(): Promise<void> {
    await this.load();
    for (const job of this.jobs) {
      if (OPEN_JOB_STATUSES.has(job.status)) this.follow(job.key);
      else if (job.status === "quoted" && job.payRequested) this.tasks.run(`${job.key}:findPayment`, () => this.findPayment(job.key));
    }
  }

  /**
   * After a restart during the wallet's approval of `pay`: looks for the job's JobPaid event (from
   * the block read before the wallet was asked) until it is found, the quote expires or the wait
   * ends; a found payment is recorded and followed like one whose hash was saved.
   */
  private async findPayment(key: string): Promise<void> {
    const started = this.now();
    for (;;) {
      const job = await this.get(key);
      if (job.status !== "quoted" || !job.payRequested) return;
      try {
        await this.deps.messenger.call("session:requireChain", job.chainId);
        if (await this.adoptPayment(job)) return;
      } catch {
        // chain unreachable: try again
      }
      const expired = BigInt(job.quote.expiresAt) * 1000n <= BigInt(this.now());
      if (expired || this.now() - started > POLL_LIMIT_MS) {
        const onChain = await this.deps.chain.jobOf(job.contract, job.jobId).catch(() => null);
        // the quote cannot be paid any more: the pay button comes back (pay() refuses an expired quote)
        if (onChain?.state === CHAIN_JOB_STATE.None) await this.update(key, (j) => ({ ...j, payRequested: null }));
        return;
      }
      await this.sleep(this.deps.chainPollMs ?? 15_000);
    }
  }

  /** The job's quote is paid on chain by its client: records that payment (true) and follows the job. */
  private async adoptPayment(job: JobRecord): Promise<boolean> {
    const paid = await this.deps.chain.findJobPayment(job.contract, job.jobId, job.payRequested?.fromBlock ?? 0);
    if (!paid) return false;
    const quote = quoteFromJson(job.quote);
    if (paid.client.toLowerCase() !== job.client.toLowerCase() || paid.price !== quote.price || paid.jobHash.toLowerCase() !== jobHash(quote).toLowerCase()) return false;
    await this.update(job.key, (j) =>
      j.status !== "quoted" ? j : { ...j, status: "paying", payRequested: null, actions: [...j.actions, { kind: "pay", txHash: paid.txHash, at: this.now(), status: "pending" }] },
    );
    this.follow(job.key);
    return true;
  }

  list(): JobRecord[] {
    return this.jobs;
  }

  async get(key: string): Promise<JobRecord> {
    const job = await (await this.vault()).getJob(key);
    if (!job) throw problem("UnknownJob", "Not in your jobs", "This job is not in your list any more.");
    return job;
  }

  private async update(key: string, change: (job: JobRecord) => JobRecord): Promise<JobRecord> {
    const stored = await (await this.vault()).updateJob(key, (job) => ({ ...change(job), updatedAt: this.now() }));
    if (!stored) throw problem("UnknownJob", "Not in your jobs", "This job is not in your list any more.");
    const at = this.jobs.findIndex((j) => j.key === key);
    if (at >= 0) this.jobs = this.jobs.map((j, i) => (i === at ? stored : j));
    else this.jobs = [stored, ...this.jobs].slice(0, SHOWN_JOBS);
    this.publish();
    return stored;
  }

  private api(providerUrl?: string): ComputeApi {
    const base = providerUrl ?? this.deps.messenger.call("session:provider").url;
    const token = this.deps.messenger.call("session:tokenFor", base);
    return createComputeApi({ baseUrl: base, token, ...(this.deps.fetch ? { fetch: this.deps.fetch } : {}) });
  }

  /** The connected provider's compute offer, read from /v1/info and its signer checked on chain. */
  async readInfo(): Promise<ComputeInfo> {
    const provider = this.deps.messenger.call("session:provider");
    const info = await this.api().info();
    if (!info) throw problem("NoCompute", "No computing here", "This provider does not offer computing.");
    if (info.chainId !== provider.info.chainId) throw problem("ComputeWrongChain", "Wrong network", `The provider's compute contract is on chain ${info.chainId}, its storage on chain ${provider.info.chainId}. Do not pay this provider.`);
    await this.deps.messenger.call("session:requireChain", info.chainId);
    const signer = await this.deps.chain.signer(info.contract);
    if (signer.toLowerCase() !== info.signer.toLowerCase()) {
      throw problem("ComputeSignerMismatch", "Provider details disagree with the chain", "The provider's compute signer is not the one its contract names. Do not pay this provider.");
    }
    this.info = info;
    this.publish();
    return info;
  }

  private async input(vaultKey: string, role: "A" | "B"): Promise<VaultRecord> {
    const record = await (await this.vault()).get(vaultKey);
    if (!record) throw problem("NotInVault", "Not in your files", `Input ${role} is not in your files any more.`);
    if (record.encryption) throw problem("InputEncrypted", "Encrypted file", `Input ${role} (${record.fileName}) is encrypted: the provider cannot read it. Store the matrix unencrypted for computing.`);
    if (!record.link || !record.signature) throw problem("InputNotStored", "Not stored yet", `Input ${role} (${record.fileName}) has no receipt from the provider yet.`);
    return record;
  }

  /**
   * Asks the provider for a signed job price on two stored files and checks it: signed by the
   * contract's signer, for this account, these files, dimensions and kernel, not expired.
   */
  async quote(request: ComputeQuoteRequest): Promise<JobRecord> {
    if (request.kernel !== KERNEL.matmul) throw problem("UnknownKernel", "Not offered", "Only matrix products can be asked for here.");
    const [a, b] = [await this.input(request.a, "A"), await this.input(request.b, "B")];
    const { m, k, n } = request;
    let sizesFit = false;
    try {
      sizesFit = matrixGeometry({ rows: m, cols: k, layout: "rows" }).size === a.size && matrixGeometry({ rows: k, cols: n, layout: "columns" }).size === b.size;
    } catch {
      sizesFit = false;
    }
    if (!sizesFit) throw problem("WrongDimensions", "Files do not fit", `A must be a ${m}×${k} matrix stored by rows and B a ${k}×${n} matrix stored by columns.`);
    const info = this.info ?? (await this.readInfo());
    this.deps.messenger.call("session:requireSession");
    const account = await this.deps.account();
    const answer = await this.api().quote({ kernel: request.kernel, inputA: a.fileRoot, inputB: b.fileRoot, m, k, n });
    const q = answer.quote;
    const mismatch =
      q.client.toLowerCase() !== account.toLowerCase()
        ? "it is for another account"
        : q.inputA !== a.fileRoot.toLowerCase() || q.inputB !== b.fileRoot.toLowerCase()
          ? "it names other files"
          : q.m !== m || q.k !== k || q.n !== n || q.kernel !== request.kernel
            ? "it names other dimensions"
            : BigInt(q.expiresAt) * 1000n <= BigInt(this.now())
              ? "it has already expired"
              : null;
    if (mismatch) throw problem("JobQuoteMismatch", "Price refused", `The provider's price does not match the job asked for: ${mismatch}. Nothing was paid.`);
    const quote = quoteFromJson(q);
    const recovered = recoverTyped(jobQuoteTypedData({ domain: { chainId: info.chainId, verifyingContract: info.contract }, quote }), answer.signature);
    if (recovered?.toLowerCase() !== info.signer.toLowerCase()) throw problem("JobQuoteSignature", "Price not signed by the provider", "The job's price is not signed by the provider's contract signer. Nothing was paid.");
    const provider = this.deps.messenger.call("session:provider");
    const job: JobRecord = {
      key: jobKey(info.chainId, info.contract, q.jobId),
      chainId: info.chainId,
      contract: info.contract,
      jobId: q.jobId,
      client: account,
      providerUrl: provider.url,
      kernel: request.kernel,
      quote: q,
      quoteSignature: answer.signature,
      signer: info.signer,
      inputs: {
        a: { fileRoot: a.fileRoot, fileName: a.fileName, size: a.size, vaultKey: a.key },
        b: { fileRoot: b.fileRoot, fileName: b.fileName, size: b.size, vaultKey: b.key },
      },
      status: "quoted",
      serverState: "quoted",
      progress: 0,
      serverError: null,
      receipt: null,
      check: null,
      actions: [],
      credited: null,
      createdAt: this.now(),
      updatedAt: this.now(),
    };
    await (await this.vault()).putJob(job);
    this.jobs = [job, ...this.jobs.filter((j) => j.key !== job.key)].slice(0, SHOWN_JOBS);
    this.publish();
    return job;
  }

  /** Price + network fee against the account's balance (wei, as decimal strings). */
  async checkBalance(key: string): Promise<ComputeBalanceCheck> {
    const job = await this.get(key);
    await this.deps.messenger.call("session:requireChain", job.chainId);
    const quote = quoteFromJson(job.quote);
    const [balance, gas, fee] = await Promise.all([
      this.deps.chain.balance(job.client),
      this.deps.chain.estimateGas(job.contract, job.client, { functionName: "pay", args: [quote, job.quoteSignature], value: quote.price }),
      this.deps.chain.maxFeePerGas(),
    ]);
    const networkFee = gas * fee;
    const total = quote.price + networkFee;
    return { balance: balance.toString(), price: quote.price.toString(), networkFee: networkFee.toString(), total: total.toString(), enough: balance >= total };
  }

  /** ComputeContract.pay(quote, σ) through the wallet; then the job is followed to its result. */
  async pay(key: string): Promise<Hex> {
    const job = await this.get(key);
    if (job.status !== "quoted") throw problem("AlreadyPaid", "Already paid", "This job was already paid.");
    if (BigInt(job.quote.expiresAt) * 1000n <= BigInt(this.now())) throw problem("JobQuoteExpired", "Price expired", "The job's price expired. Ask the provider for a new one.");
    await this.deps.messenger.call("session:requireChain", job.chainId);
    await this.deps.messenger.call("session:requireAccount", job.client);
    const quote = quoteFromJson(job.quote);
    const fromBlock = await this.deps.chain.blockNumber();
    await this.update(key, (j) => ({ ...j, payRequested: { at: this.now(), fromBlock } }));
    let txHash: Hex;
    try {
      txHash = await this.deps.chain.send(job.contract, job.client, { functionName: "pay", args: [quote, job.quoteSignature], value: quote.price });
    } catch (err) {
      await this.update(key, (j) => ({ ...j, payRequested: null }));
      throw err;
    }
    await this.update(key, (j) => ({ ...j, status: "paying", payRequested: null, actions: [...j.actions, { kind: "pay", txHash, at: this.now(), status: "pending" }] }));
    this.follow(key);
    return txHash;
  }

  /** One read of the job's state from the provider; a newly signed result is checked against the signer. */
  async refresh(key: string): Promise<JobRecord> {
    const job = await this.get(key);
    const answer = await this.api(job.providerUrl).job(job.jobId);
    return this.applyServerState(job, answer);
  }

  private async applyServerState(job: JobRecord, answer: JobResponse): Promise<JobRecord> {
    if (answer.jobId !== job.jobId.toLowerCase()) throw problem("WrongJob", "Wrong answer", "The provider answered about another job.");
    let receipt = job.receipt;
    let serverError = answer.error;
    if (!receipt && answer.receipt) {
      const r = answer.receipt;
      const recovered = recoverTyped(
        jobReceiptTypedData({
          domain: { chainId: job.chainId, verifyingContract: job.contract },
          receipt: jobReceiptFor({ quote: quoteFromJson(job.quote), result: { resultRoot: r.resultRoot, resultSize: BigInt(r.resultSize), link: r.link } }),
        }),
        r.signature,
      );
      if (recovered && recovered.toLowerCase() === job.signer.toLowerCase()) receipt = { ...r, signer: recovered };
      else serverError = "The result's receipt is not signed by the provider's signer.";
    }
    const status: JobStatus =
      job.status === "paying" || job.status === "computing"
        ? receipt
          ? "done"
          : answer.state === "failed" || answer.state === "refunded"
            ? "failed"
            : job.status === "paying"
              ? "paying"
              : "computing"
        : job.status;
    return this.update(job.key, (j) => ({ ...j, status, serverState: answer.state, progress: receipt ? 1 : answer.progress, serverError, receipt }));
  }

  /** Follows a job in the background until it needs nobody (one follower per job). */
  private follow(key: string): void {
    this.tasks.run(key, async () => {
      const started = this.now();
      let chainReadAt = -Infinity;
      for (;;) {
        const job = await this.get(key);
        if (!OPEN_JOB_STATUSES.has(job.status) || this.now() - started > POLL_LIMIT_MS) return;
        const pending = [...job.actions].reverse().find((a) => a.status === "pending");
        if (pending) {
          await this.followTx(job, pending);
          continue;
        }
        if (job.status === "computing") {
          try {
            await this.refresh(key);
          } catch {
            // unreachable or signed out: keep the job open and try again
          }
        }
        // Without a result, disputed or challenged (or a mined transaction whose effect was not read):
        // the chain (and its clock) says what is possible now.
        if ((CHAIN_FOLLOWED.has(job.status) || (job.status === "computing" && !job.receipt)) && this.now() - chainReadAt >= (this.deps.chainPollMs ?? 15_000)) {
          chainReadAt = this.now();
          await this.readChain(key).catch(() => undefined);
        }
        await this.sleep(this.deps.pollMs ?? 1_000);
      }
    });
  }

  private async followTx(job: JobRecord, action: JobAction): Promise<void> {
    let receipt;
    try {
      receipt = await this.deps.chain.waitForReceipt(action.txHash, POLL_LIMIT_MS);
    } catch {
      await this.sleep(this.deps.pollMs ?? 1_000);
      return;
    }
    const ok = receipt.status === "success";
    const done: JobAction = { ...action, status: ok ? "confirmed" : "failed", blockNumber: Number(receipt.blockNumber), gasUsed: receipt.gasUsed.toString(), effectiveGasPrice: receipt.effectiveGasPrice.toString() };
    const actions = job.actions.map((a) => (a.txHash === action.txHash ? done : a));
    if (action.kind === "pay") {
      await this.update(job.key, (j) => ({ ...j, actions, status: ok ? "computing" : "quoted" }));
    } else if (action.kind === "proveFraud") {
      const credited = (BigInt(job.quote.price) + BigInt(job.quote.fine)).toString();
      await this.update(job.key, (j) => ({ ...j, actions, status: ok ? "fined" : "wrong", credited: ok ? credited : j.credited }));
      if (ok) await this.readCredits().catch(() => undefined);
    } else if (action.kind === "disputeDelivery" || action.kind === "claimPenalty" || action.kind === "challengeResult") {
      // back to where the chain leaves it: a mined dispute is "disputed", a challenge "challenged", a claim "penalized"
      const reverted: JobStatus = action.kind === "disputeDelivery" ? "computing" : action.kind === "challengeResult" ? "done" : job.onChain?.state === CHAIN_JOB_STATE.ResultChallenged ? "challenged" : "disputed";
      await this.update(job.key, (j) => ({ ...j, actions, status: ok ? j.status : reverted }));
      if (ok) await this.readChain(job.key).catch(() => undefined);
    } else {
      await this.update(job.key, (j) => ({ ...j, actions }));
    }
  }

  /**
   * Reads the job on chain (state, open deadline, when disputes close, the chain's clock) and
   * takes the status the contract implies: the truth after a restart, whatever the vault said.
   */
  async readChain(key: string): Promise<JobRecord> {
    const job = await this.get(key);
    await this.deps.messenger.call("session:requireChain", job.chainId);
    const read = await this.deps.chain.readJob(job.contract, quoteFromJson(job.quote));
    const onChain: JobChainView = { ...read, readAt: this.now() };
    const credited = this.creditOf(job, onChain.state);
    const stored = await this.update(key, (j) => ({ ...j, onChain, status: statusFromChain(j, onChain), credited: credited ?? j.credited }));
    if (credited && !job.credited) await this.readCredits().catch(() => undefined);
    if (stored.status === "computing" && !stored.receipt && onChain.delivered) this.follow(key); // the provider answered with its result
    return stored;
  }

  private creditOf(job: JobRecord, state: number): string | null {
    const { price, fine } = job.quote;
    if (state === CHAIN_JOB_STATE.Refunded) return price;
    if (state !== CHAIN_JOB_STATE.Penalized && state !== CHAIN_JOB_STATE.Fraudulent) return null;
    // a claim or proof during a result challenge also returns its bond
    const bond = job.onChain?.state === CHAIN_JOB_STATE.ResultChallenged ? BigInt(job.onChain.challengeBond) : 0n;
    return (BigInt(price) + BigInt(fine) + bond).toString();
  }

  /**
   * The provider did not deliver by `deliverBy`: ComputeContract.disputeDelivery(quote) through the
   * wallet. The provider then has the contract's response window to show its signed result or
   * refund the price; otherwise claimPenalty pays price + fine back.
   */
  async disputeDelivery(key: string): Promise<Hex> {
    const job = await this.get(key);
    if (job.receipt) throw problem("AlreadyDelivered", "Result delivered", "The provider delivered a signed result for this job: check it instead.");
    if (job.status !== "computing" && job.status !== "failed") throw problem("CannotDispute", "Nothing to ask back", "This job cannot be disputed now.");
    const chain = (await this.readChain(key)).onChain!;
    if (chain.state !== CHAIN_JOB_STATE.Paid) throw problem("CannotDispute", "Nothing to ask back", "This job cannot be disputed now.");
    if (chain.delivered) throw problem("AlreadyDelivered", "Result delivered", "The provider showed its signed result on chain: it will appear here shortly.");
    if (chain.blockTime <= Number(job.quote.deliverBy)) throw problem("TooEarly", "Not late yet", `The provider has until ${new Date(Number(job.quote.deliverBy) * 1000).toLocaleString()} to deliver.`);
    if (chain.blockTime >= chain.closesAt) throw problem("TooLate", "Too late", "The time to ask for your money back on this job has passed.");
    await this.deps.messenger.call("session:requireAccount", job.client);
    const txHash = await this.deps.chain.send(job.contract, job.client, { functionName: "disputeDelivery", args: [quoteFromJson(job.quote)] });
    await this.update(key, (j) => ({ ...j, status: "disputing", actions: [...j.actions, { kind: "disputeDelivery", txHash, at: this.now(), status: "pending" }] }));
    this.follow(key);
    return txHash;
  }

  /**
   * The signed result cannot be downloaded: ComputeContract.challengeResult for one random chunk of
   * it, with the contract's bond. The provider must publish that chunk on chain by the answer
   * deadline (the bond is then its) or claimPenalty pays price + fine + the bond back.
   */
  async challengeResult(key: string): Promise<Hex> {
    const job = await this.get(key);
    if (!job.receipt) throw problem("NoResult", "No result yet", "The provider has not signed a result for this job yet.");
    if (job.status !== "done") throw problem("CannotChallenge", "Nothing to ask for", "This job's result was already checked.");
    const chain = (await this.readChain(key)).onChain!;
    if (chain.state !== CHAIN_JOB_STATE.Paid) throw problem("CannotChallenge", "Nothing to ask for", "This job cannot be challenged now.");
    if (chain.blockTime >= chain.closesAt) throw problem("TooLate", "Too late", "The time to challenge this job's result has passed.");
    const chunks = chunkCount(job.receipt.resultSize);
    const chunkIndex = crypto.getRandomValues(new Uint32Array(1))[0]! % chunks;
    await this.deps.messenger.call("session:requireAccount", job.client);
    const txHash = await this.deps.chain.send(job.contract, job.client, {
      functionName: "challengeResult",
      args: [quoteFromJson(job.quote), resultOf(job), job.receipt.signature, BigInt(chunkIndex)],
      value: BigInt(chain.challengeBond),
    });
    await this.update(key, (j) => ({ ...j, status: "challenging", actions: [...j.actions, { kind: "challengeResult", txHash, at: this.now(), status: "pending" }] }));
    this.follow(key);
    return txHash;
  }

  /** A dispute's or result challenge's deadline passed unanswered: ComputeContract.claimPenalty(quote) credits price + fine (+ the bond). */
  async claimPenalty(key: string): Promise<Hex> {
    const job = await this.get(key);
    if (job.status !== "disputed" && job.status !== "challenged") throw problem("NothingToClaim", "Nothing to claim", "This job has no unanswered dispute.");
    const chain = (await this.readChain(key)).onChain!;
    if (chain.state !== CHAIN_JOB_STATE.DeliveryDisputed && chain.state !== CHAIN_JOB_STATE.ResultChallenged) throw problem("NothingToClaim", "Nothing to claim", "The provider answered.");
    if (chain.blockTime <= chain.deadline) throw problem("TooEarly", "Not yet", `The provider has until ${new Date(chain.deadline * 1000).toLocaleString()} to answer.`);
    await this.deps.messenger.call("session:requireAccount", job.client);
    const txHash = await this.deps.chain.send(job.contract, job.client, { functionName: "claimPenalty", args: [quoteFromJson(job.quote)] });
    await this.update(key, (j) => ({ ...j, status: "claiming", actions: [...j.actions, { kind: "claimPenalty", txHash, at: this.now(), status: "pending" }] }));
    this.follow(key);
    return txHash;
  }

  /** What the page's Freivalds check of the result found. */
  async recordCheck(key: string, check: Omit<JobCheck, "at">): Promise<JobRecord> {
    const job = await this.get(key);
    if (!job.receipt) throw problem("NoResult", "No result yet", "The provider has not signed a result for this job yet.");
    if (check.verified && check.wrong) throw problem("BadCheck", "Internal error", "A check cannot both pass and find a wrong entry.");
    const status: JobStatus = job.status === "done" || job.status === "verified" || job.status === "wrong" ? (check.verified ? "verified" : "wrong") : job.status;
    return this.update(key, (j) => ({ ...j, status, check: { ...check, at: this.now() } }));
  }

  /**
   * Files the one-entry fraud proof built by the page (row i of A, column j of B, entry C[i][j],
   * each with its proof). The contract recomputes the entry; a wrong one credits price + fine.
   */
  async proveFraud(key: string, item: ItemProof): Promise<Hex> {
    const job = await this.get(key);
    if (job.status !== "wrong" || !job.check?.wrong) throw problem("NothingToProve", "Nothing to report", "The check found no wrong entry in this job's result.");
    if (item.i !== job.check.wrong.i || item.j !== job.check.wrong.j) throw problem("BadProof", "Internal error", "The proof is not for the wrong entry the check found.");
    await this.deps.messenger.call("session:requireChain", job.chainId);
    await this.deps.messenger.call("session:requireAccount", job.client);
    const txHash = await this.deps.chain.send(job.contract, job.client, { functionName: "proveFraud", args: [quoteFromJson(job.quote), resultOf(job), job.receipt!.signature, item] });
    await this.update(key, (j) => ({ ...j, status: "proving", actions: [...j.actions, { kind: "proveFraud", txHash, at: this.now(), status: "pending" }] }));
    this.follow(key);
    return txHash;
  }

  /** Where the page downloads the inputs and the result from (bearer token for the provider's origin). */
  async targets(key: string): Promise<ComputeTargets> {
    const job = await this.get(key);
    if (!job.receipt) throw problem("NoResult", "No result yet", "The provider has not signed a result for this job yet.");
    const vault = await this.vault();
    const target = async (role: "a" | "b") => {
      const input = job.inputs[role];
      const record = input.vaultKey ? await vault.get(input.vaultKey) : undefined;
      if (!record?.link) throw problem("NotInVault", "Input missing", `Input ${role.toUpperCase()} (${input.fileName}) has no link in your files.`);
      return { url: record.link, token: this.deps.messenger.call("session:tokenFor", record.link), size: record.size, fileRoot: record.fileRoot };
    };
    const r = job.receipt;
    return { a: await target("a"), b: await target("b"), result: { url: r.link, token: this.deps.messenger.call("session:tokenFor", r.link), size: r.resultSize, fileRoot: r.resultRoot } };
  }

  /** What the compute contract owes this account (refunds and fines), read on chain. */
  async readCredits(): Promise<{ amount: string; readAt: number }> {
    const info = this.info ?? (await this.readInfo());
    await this.deps.messenger.call("session:requireChain", info.chainId);
    const amount = await this.deps.chain.withdrawable(info.contract, await this.deps.account());
    this.credits = { amount: amount.toString(), readAt: this.now() };
    this.publish();
    return this.credits;
  }

  /** ComputeContract.withdraw() through the wallet; the credits are read again once it is mined. */
  async withdraw(): Promise<Hex> {
    const info = this.info ?? (await this.readInfo());
    await this.deps.messenger.call("session:requireChain", info.chainId);
    const account = await this.deps.account();
    const txHash = await this.deps.chain.send(info.contract, account, { functionName: "withdraw", args: [] });
    this.tasks.run(`withdraw:${txHash}`, async () => {
      await this.deps.chain.waitForReceipt(txHash, POLL_LIMIT_MS);
      await this.readCredits();
    });
    return txHash;
  }
}

/** The status the contract's view of a job implies (a transaction still pending keeps its status). */
export function statusFromChain(job: JobRecord, chain: JobChainView): JobStatus {
  switch (chain.state) {
    case CHAIN_JOB_STATE.Refunded:
      return "refunded";
    case CHAIN_JOB_STATE.Penalized:
      return "penalized";
    case CHAIN_JOB_STATE.Fraudulent:
      return "fined";
    case CHAIN_JOB_STATE.DeliveryDisputed:
      return job.status === "claiming" ? "claiming" : "disputed";
    case CHAIN_JOB_STATE.ResultChallenged:
      return job.status === "claiming" ? "claiming" : "challenged";
    case CHAIN_JOB_STATE.Paid:
      // the provider published the challenged chunk: the result is there, check it again
      if (job.status === "challenged") return "done";
      // paid (also when the payment's hash was lost), or the provider answered the dispute with its result
      if (job.status === "quoted" || job.status === "paying" || job.status === "disputed" || (job.status === "failed" && chain.delivered)) return job.receipt ? "done" : "computing";
      return job.status;
    default:
      return job.status;
  }
}
