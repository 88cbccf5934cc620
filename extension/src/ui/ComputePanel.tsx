// The Compute screen (a thin view): multiply two matrices stored with the provider, pay, watch the
// job, then check the result here with Freivalds' check, or report a wrong result in one click.
// Plain words on screen; protocol terms (job id, roots, signatures) only under "Details".
import { encodeMatrix, KERNEL, MATRIX_TRAILER_SIZE, decodeMatrix, matrixFromCsv, matrixFromNpy, matrixToCsv, readMatrixTrailer, type ItemProof } from "@pekanu/protocol/compute";
import { useEffect, useRef, useState } from "react";
import type { ComputeBalanceCheck } from "../background/controllers/compute.ts";
import type { CheckJobResultAnswer } from "../lib/compute/checkJobResult.ts";
import type { HumanError } from "../lib/errors.ts";
import { formatEth, shortHex } from "../lib/format.ts";
import type { DownloadTarget, VaultListAnswer, View } from "../lib/messages.ts";
import type { JobRecord, JobStatus } from "../lib/vault/jobSchema.ts";
import type { VaultRecord } from "../lib/vault/schema.ts";
import { humanOf, send } from "./background.ts";
import { Badge, Field, Progress } from "./components.tsx";
import { checkInWorker, downloadJobFiles } from "./computeCheck.ts";
import { saveBlob } from "./transfer.ts";
import { useBusy } from "./useBusy.ts";

type Props = { view: View; onError: (e: HumanError) => void; storeFile: (file: File) => void };

type Shape = { rows: number; cols: number; layout: "rows" | "columns" };

const statusWords: Record<JobStatus, string> = {
  quoted: "Priced, not paid",
  paying: "Payment on its way",
  computing: "Computing",
  done: "Result ready, checking…",
  verified: "Verified",
  wrong: "Wrong result found",
  proving: "Reporting the wrong result…",
  fined: "Provider fined, refund credited",
  failed: "Failed",
  disputing: "Asking for your money back…",
  disputed: "Money back asked for",
  claiming: "Claiming your money back…",
  penalized: "Provider fined, refund credited",
  refunded: "Refunded",
  challenging: "Asking for the result…",
  challenged: "Result asked for",
};

/** Chain seconds as a local date and time. */
const at = (seconds: number | string) => new Date(Number(seconds) * 1000).toLocaleString();

/** The shape a stored matrix file declares (its last 32 bytes, fetched with a Range request). */
async function readShape(key: string): Promise<Shape> {
  const target = await send<DownloadTarget>({ type: "vault.downloadTarget", key });
  const headers: Record<string, string> = { Range: `bytes=${target.size - MATRIX_TRAILER_SIZE}-${target.size - 1}` };
  if (target.token) headers.Authorization = `Bearer ${target.token}`;
  const response = await fetch(target.url, { headers });
  if (!response.ok) throw new Error(`The provider answered ${response.status}.`);
  let bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes.length > MATRIX_TRAILER_SIZE) bytes = bytes.subarray(bytes.length - MATRIX_TRAILER_SIZE); // no Range support: whole file
  const g = readMatrixTrailer({ trailer: bytes, size: target.size });
  return { rows: g.rows, cols: g.cols, layout: g.layout };
}

export function ComputePanel({ view, onError, storeFile }: Props) {
  const [files, setFiles] = useState<VaultRecord[]>([]);
  const [a, setA] = useState("");
  const [b, setB] = useState("");
  const [shapes, setShapes] = useState<Record<string, Shape | string>>({});
  const { pending, run } = useBusy(onError);
  const provider = view.flow.provider;
  const signedIn = Boolean(view.flow.session);
  const info = view.compute.info;

  useEffect(() => {
    send<VaultListAnswer>({ type: "vault.list", limit: 500 })
      .then((answer) => setFiles(answer.items.filter((r) => !r.encryption && r.link && r.signature)))
      .catch(() => setFiles([]));
  }, [view.vault.version]);

  useEffect(() => {
    if (provider && !info) void send({ type: "compute.info" }).catch(() => undefined);
  }, [provider?.url, info]);

  const shapeOf = (key: string) => {
    if (!key || shapes[key]) return;
    readShape(key)
      .then((s) => setShapes((old) => ({ ...old, [key]: s })))
      .catch((err) => setShapes((old) => ({ ...old, [key]: `Not a matrix file (${err instanceof Error ? err.message : String(err)})` })));
  };
  useEffect(() => shapeOf(a), [a]);
  useEffect(() => shapeOf(b), [b]);

  const sa = typeof shapes[a] === "object" ? (shapes[a] as Shape) : null;
  const sb = typeof shapes[b] === "object" ? (shapes[b] as Shape) : null;
  const fitProblem =
    !a || !b
      ? null
      : typeof shapes[a] === "string"
        ? `Left matrix: ${shapes[a]}`
        : typeof shapes[b] === "string"
          ? `Right matrix: ${shapes[b]}`
          : sa && sb
            ? sa.layout !== "rows"
              ? "The left matrix is stored for the right side (by columns). Convert it again as a left matrix."
              : sb.layout !== "columns"
                ? "The right matrix is stored for the left side (by rows). Convert it again as a right matrix."
                : sa.cols !== sb.rows
                  ? `A ${sa.rows}×${sa.cols} matrix cannot be multiplied by a ${sb.rows}×${sb.cols} one.`
                  : null
            : null;


  const label = (r: VaultRecord) => `${r.fileName || shortHex(r.fileRoot)}${shapes[r.key] && typeof shapes[r.key] === "object" ? ` (${(shapes[r.key] as Shape).rows}×${(shapes[r.key] as Shape).cols})` : ""}`;

  return (
    <div data-testid="compute">
      <div className="card">
        <h2>Compute</h2>
        <p>
          Multiply two matrices you store with your provider. The provider computes, you pay only for a result this page checks; a wrong result is fined from the provider's
          deposit.
        </p>
        <p data-testid="compute-unencrypted-note">Matrices for computing, and their results, are stored unencrypted: the provider has to read them to compute.</p>
        {!provider ? <p>Connect a provider on the "Store a file" tab first.</p> : !signedIn ? <p>Sign in to the provider on the "Store a file" tab first.</p> : null}
        {provider && !info ? <p className="muted">This provider does not offer computing, or its offer is not read yet.</p> : null}
        {info ? (
          <p className="muted" data-testid="compute-offer">
            Price: {formatEth(info.pricePerGigaMulAdd)} ETH per 10⁹ multiply-adds.
          </p>
        ) : null}
      </div>

      <ConvertCard storeFile={storeFile} onError={onError} />

      <div className="card">
        <h2>New job: left × right</h2>
        <div className="row">
          <StoredFileSelect side="a" title="Left matrix" files={files} label={label} value={a} onChange={setA} />
          <StoredFileSelect side="b" title="Right matrix" files={files} label={label} value={b} onChange={setB} />
        </div>
        {fitProblem ? (
          <p className="bad" data-testid="compute-fit-problem" role="alert">
            {fitProblem}
          </p>
        ) : null}
        {sa && sb && !fitProblem ? (
          <p data-testid="compute-shape">
            Result: a {sa.rows}×{sb.cols} matrix ({(sa.rows * sa.cols * sb.cols).toLocaleString("en")} multiply-adds).
          </p>
        ) : null}
        <button
          data-testid="compute-quote"
          disabled={pending || !sa || !sb || Boolean(fitProblem) || !info || !signedIn}
          onClick={() => run(() => send({ type: "compute.quote", kernel: KERNEL.matmul, a, b, m: sa!.rows, k: sa!.cols, n: sb!.cols }))}
        >
          Get a price
        </button>
      </div>

      <CreditsCard view={view} onError={onError} />

      {view.compute.jobs.length ? <h2>Your jobs</h2> : null}
      {view.compute.jobs.map((job) => (
        <JobCard key={job.key} job={job} view={view} onError={onError} />
      ))}
    </div>
  );
}

/** CSV or .npy → a matrix file, handed to the store flow. */
function ConvertCard({ storeFile, onError }: { storeFile: (file: File) => void; onError: (e: HumanError) => void }) {
  const [side, setSide] = useState<"left" | "right">("left");
  const convert = async (file: File) => {
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      const matrix = file.name.toLowerCase().endsWith(".npy") ? matrixFromNpy(bytes) : matrixFromCsv(new TextDecoder().decode(bytes));
      const encoded = encodeMatrix({ matrix, layout: side === "left" ? "rows" : "columns" });
      const name = `${file.name.replace(/\.(csv|npy|txt)$/i, "")}.${side}.pkmx`;
      storeFile(new File([encoded as BlobPart], name, { type: "application/octet-stream" }));
    } catch (err) {
      onError({ code: "ConvertFailed", title: "Cannot read this matrix", message: err instanceof Error ? err.message : String(err), action: "none" });
    }
  };
  return (
    <div className="card">
      <h2>Add a matrix</h2>
      <p>A CSV file (one row per line, whole numbers) or a NumPy .npy file of integers. It is converted here, then stored like any file.</p>
      <fieldset className="row">
        <legend>Use it as the</legend>
        <label>
          <input type="radio" name="compute-side" checked={side === "left"} onChange={() => setSide("left")} data-testid="convert-left" /> left matrix
        </label>
        <label>
          <input type="radio" name="compute-side" checked={side === "right"} onChange={() => setSide("right")} data-testid="convert-right" /> right matrix
        </label>
      </fieldset>
      <label htmlFor="compute-convert">Matrix file (CSV or .npy)</label>{" "}
      <input id="compute-convert" type="file" accept=".csv,.npy,.txt" data-testid="compute-convert-input" onChange={(e) => e.target.files?.[0] && void convert(e.target.files[0])} />
    </div>
  );
}

function CreditsCard({ view, onError }: { view: View; onError: (e: HumanError) => void }) {
  const { pending, run } = useBusy(onError);
  const credits = view.compute.credits;
  const info = view.compute.info;
  useEffect(() => {
    if (info) void send({ type: "compute.credits" }).catch(() => undefined);
  }, [info?.contract]);
  if (!info) return null;
  const amount = credits ? BigInt(credits.amount) : null;
  return (
    <div className="card" data-testid="compute-credits">
      <h2>Computing credits</h2>
      <p className="muted">Refunds and fines for wrong or missing results are kept for you by the provider's computing contract until you withdraw them.</p>
      <CreditSources jobs={view.compute.jobs} />
      <div className="row">
        <span data-testid="compute-credits-amount" data-wei={credits?.amount ?? ""}>
          {amount === null ? "—" : `${formatEth(amount)} ETH`}
        </span>
        <button className="secondary" data-testid="compute-credits-refresh" disabled={pending} onClick={() => run(() => send({ type: "compute.credits" }))}>
          Refresh
        </button>
        <button data-testid="compute-credits-withdraw" disabled={pending || !amount} onClick={() => run(() => send({ type: "compute.withdraw" }))}>
          Withdraw
        </button>
      </div>
    </div>
  );
}

/** Where the credits came from: prices given back (refunds) and fines, summed over the jobs shown. */
function CreditSources({ jobs }: { jobs: JobRecord[] }) {
  let refunds = 0n;
  let fines = 0n;
  for (const job of jobs) {
    if (!job.credited) continue;
    if (job.status === "refunded") refunds += BigInt(job.credited);
    else if (job.status === "fined" || job.status === "penalized") {
      refunds += BigInt(job.quote.price);
      fines += BigInt(job.quote.fine); // (a result challenge's returned deposit is neither)
    }
  }
  if (refunds === 0n && fines === 0n) return null;
  return (
    <p data-testid="compute-credit-sources" data-refunds={refunds.toString()} data-fines={fines.toString()}>
      So far from your jobs (withdrawn or not): {formatEth(refunds)} ETH of prices given back, {formatEth(fines)} ETH of fines.
    </p>
  );
}

/** A paid job without a result: past its deadline the client asks for the money back, then claims it. */
function MoneyBack({ job, pending, run }: { job: JobRecord; pending: boolean; run: (work: () => Promise<unknown>) => Promise<void> }) {
  const chain = job.onChain ?? null;
  const q = job.quote;
  const readChain = () => run(() => send({ type: "compute.readChain", key: job.key }));
  const checkAgain = (
    <button className="secondary" data-testid="compute-read-chain" disabled={pending} onClick={readChain}>
      Check again
    </button>
  );
  if ((job.status === "computing" || job.status === "failed") && !job.receipt) {
    const clock = chain?.blockTime ?? Date.now() / 1000;
    if (clock <= Number(q.deliverBy)) return null;
    if (chain?.delivered) return <p className="muted">The provider showed its result on the blockchain; it appears here shortly.</p>;
    if (chain && chain.blockTime >= chain.closesAt) return <p className="muted" data-testid="compute-dispute-closed">The time to ask for your money back on this job has passed.</p>;
    return (
      <div data-testid="compute-late" role="alert">
        <p className="bad">The provider did not deliver by {at(q.deliverBy)}.</p>
        <button data-testid="compute-dispute" disabled={pending} onClick={() => run(() => send({ type: "compute.disputeDelivery", key: job.key }))}>
          Ask for your money back
        </button>{" "}
        {checkAgain}
        <p className="muted">
          Your wallet asks you to confirm. The provider then has a short time to deliver or give the price back; if it does neither, you get the price and {formatEth(q.fine)} ETH from its deposit.
        </p>
      </div>
    );
  }
  if (job.status === "disputing") return <p data-testid="compute-disputing">Asking for your money back: waiting for the network…</p>;
  if (job.status === "challenging") return <p data-testid="compute-challenging">Asking the provider to publish its result: waiting for the network…</p>;
  if ((job.status === "disputed" || job.status === "challenged") && chain) {
    const challenged = job.status === "challenged";
    const bond = challenged ? BigInt(chain.challengeBond) : 0n;
    if (chain.blockTime > chain.deadline) {
      return (
        <div data-testid="compute-claim-ready">
          <p>The provider did not answer in time.</p>
          <button data-testid="compute-claim" disabled={pending} onClick={() => run(() => send({ type: "compute.claimPenalty", key: job.key }))}>
            Claim {formatEth(BigInt(q.price) + BigInt(q.fine) + bond)} ETH (your price back, the fine{challenged ? " and your deposit" : ""})
          </button>
        </div>
      );
    }
    return (
      <div data-testid={challenged ? "compute-challenged" : "compute-disputed"} data-deadline={chain.deadline}>
        <p>
          {challenged
            ? `You asked the provider to publish its result. It has until ${at(chain.deadline)} to publish a piece of it on the blockchain (your ${formatEth(bond)} ETH deposit is then its); after that you can claim the price, the fine and your deposit.`
            : `You asked for your money back. The provider has until ${at(chain.deadline)} to deliver the result or give the price back; after that you can claim the price and the fine.`}
        </p>
        {checkAgain}
      </div>
    );
  }
  if (job.status === "claiming") return <p data-testid="compute-claiming">Claiming your money back: waiting for the network…</p>;
  if (job.status === "penalized") {
    return (
      <p className="ok" data-testid="compute-penalized" data-wei={job.credited ?? ""}>
        The provider did not deliver and was fined: {formatEth(job.credited)} ETH (your price back and the fine) is in your computing credits.
      </p>
    );
  }
  if (job.status === "refunded") {
    return (
      <p className="ok" data-testid="compute-refunded" data-wei={job.credited ?? ""}>
        The provider gave the price back: {formatEth(job.credited)} ETH is in your computing credits.
      </p>
    );
  }
  return null;
}

/** What the page found when it checked a job's result (kept while the page is open, for the fraud proof). */
type LocalCheck = { state: "running" } | { state: "answer"; answer: CheckJobResultAnswer; c: ArrayBuffer } | { state: "error"; message: string };

function JobCard({ job, onError }: { job: JobRecord; view: View; onError: (e: HumanError) => void }) {
  const { pending, run } = useBusy(onError);
  const [balance, setBalance] = useState<ComputeBalanceCheck | null>(null);
  const [check, setCheck] = useState<LocalCheck | null>(null);
  const started = useRef(false);
  const q = job.quote;

  // A job without a result past its deadline: the contract says what can be done (after a restart too).
  useEffect(() => {
    if (job.status === "disputed" || job.status === "challenged" || ((job.status === "failed" || job.status === "computing") && !job.receipt)) void send({ type: "compute.readChain", key: job.key }).catch(() => undefined);
  }, [job.status]);
  useEffect(() => {
    if (job.status === "quoted" && !balance) void send<ComputeBalanceCheck>({ type: "compute.checkBalance", key: job.key }).then(setBalance).catch(() => undefined);
  }, [job.status]);

  const runCheck = async () => {
    setCheck({ state: "running" });
    try {
      const files = await downloadJobFiles(job);
      const answer = await checkInWorker(job, files);
      setCheck({ state: "answer", answer, c: files.c });
      if (answer.kind !== "mismatch") {
        await send({ type: "compute.recordCheck", key: job.key, verified: answer.kind === "verified", errorLog2: answer.errorLog2, ms: answer.ms, ...(answer.kind === "wrong" ? { wrong: answer.wrong } : {}) });
      }
    } catch (err) {
      setCheck({ state: "error", message: humanOf(err).message });
      void send({ type: "compute.readChain", key: job.key }).catch(() => undefined); // what a challenge would cost, and whether it is still possible
    }
  };
  // A result that arrives while the page is open is checked at once (and again after a reload, for the proof).
  useEffect(() => {
    if (started.current || !job.receipt || (job.status !== "done" && job.status !== "wrong")) return;
    started.current = true;
    void runCheck();
  }, [job.status, job.receipt]);

  const proof: ItemProof | null = check?.state === "answer" && check.answer.kind === "wrong" ? check.answer.proof : null;
  const bound = Math.floor(-(job.check?.errorLog2 ?? -61.9) / 10) * 10; // shown as "below 2^-60"
  const pay = job.actions.find((x) => x.kind === "pay");
  const fraud = job.actions.find((x) => x.kind === "proveFraud");

  const downloadResult = () => {
    if (check?.state !== "answer") return;
    const csv = matrixToCsv(decodeMatrix(new Uint8Array(check.c)).matrix);
    saveBlob(new Blob([csv], { type: "text/csv" }), `result-${job.jobId.slice(2, 10)}.csv`);
  };

  return (
    <div className="card" data-testid="compute-job" data-job-id={job.jobId} data-status={job.status}>
      <div className="row">
        <strong>
          {job.inputs.a.fileName} × {job.inputs.b.fileName}
        </strong>
        <Badge kind={job.status === "verified" || job.status === "fined" || job.status === "penalized" || job.status === "refunded" ? "ok" : job.status === "wrong" || job.status === "failed" ? "bad" : "plain"} testid="compute-job-status">
          {statusWords[job.status]}
        </Badge>
      </div>
      <dl>
        <Field label="Size">
          {q.m}×{q.k} times {q.k}×{q.n}
        </Field>
        <Field label="Price" testid="compute-job-price">
          <span data-wei={q.price}>{formatEth(q.price)} ETH</span>
        </Field>
        <Field label="If the result is wrong" testid="compute-job-fine">
          you get the price back and {formatEth(q.fine)} ETH from the provider's deposit
        </Field>
        <Field label="Result due by">{new Date(Number(q.deliverBy) * 1000).toLocaleString()}</Field>
      </dl>

      {job.status === "quoted" && job.payRequested ? (
        <p className="muted" data-testid="compute-pay-requested">
          Waiting for your wallet&apos;s answer, or looking for your payment on the blockchain…
        </p>
      ) : job.status === "quoted" ? (
        <div>
          {balance ? (
            <p data-testid="compute-balance" data-enough={String(balance.enough)}>
              {balance.enough
                ? `Your account has ${formatEth(balance.balance)} ETH: enough for the price and the network fee.`
                : `Your account has ${formatEth(balance.balance)} ETH: not enough. You need ${formatEth(BigInt(balance.total) - BigInt(balance.balance))} ETH more.`}
            </p>
          ) : null}
          <button data-testid="compute-pay" disabled={pending || (balance !== null && !balance.enough)} onClick={() => run(() => send({ type: "compute.pay", key: job.key }))}>
            Pay {formatEth(q.price)} ETH{balance ? ` + about ${formatEth(balance.networkFee)} ETH network fee` : ""}
          </button>
        </div>
      ) : null}

      {job.status === "paying" || job.status === "computing" ? (
        <div>
          <Progress value={job.progress} total={1} testid="compute-job-progress" label="Computing" />
          <p className="muted">{job.status === "paying" ? "Waiting for the payment to be confirmed…" : `Computing: ${Math.round(job.progress * 100)}%`}</p>
          {job.serverError ? <p className="bad">{job.serverError}</p> : null}
        </div>
      ) : null}

      {check?.state === "running" ? <p data-testid="compute-checking">Checking the result on this computer…</p> : null}
      {check?.state === "error" ? (
        <p className="bad" data-testid="compute-check-error" role="alert">
          Could not check the result: {check.message}{" "}
          <button className="secondary" onClick={() => void runCheck()}>
            Try again
          </button>
        </p>
      ) : null}
      {check?.state === "error" && job.status === "done" && job.onChain && job.onChain.state === 1 && job.onChain.blockTime < job.onChain.closesAt ? (
        <div data-testid="compute-result-missing">
          <button data-testid="compute-challenge-result" disabled={pending} onClick={() => run(() => send({ type: "compute.challengeResult", key: job.key }))}>
            Ask the provider to publish its result
          </button>{" "}
          <span className="muted">
            Costs a {formatEth(job.onChain.challengeBond)} ETH deposit. If the provider does not publish a piece of its result on the blockchain in time, you get the price, {formatEth(q.fine)} ETH fine and your deposit back; if it does, the deposit is its.
          </span>
        </div>
      ) : null}
      {check?.state === "answer" && check.answer.kind === "mismatch" ? (
        <p className="bad" data-testid="compute-check-mismatch" role="alert">
          The provider sent files that are not the ones it signed for. Nothing can be checked; try again later.
        </p>
      ) : null}

      {job.status === "verified" ? (
        <p className="ok" data-testid="compute-verified">
          Verified — the chance a wrong result passes is below 2^-{bound}.
        </p>
      ) : null}

      {job.status === "wrong" && job.check?.wrong ? (
        <div data-testid="compute-wrong" role="alert">
          <p className="bad">
            The result is wrong: row {job.check.wrong.i + 1}, column {job.check.wrong.j + 1} should be {job.check.wrong.expected}, the provider gave {job.check.wrong.found}.
          </p>
          <button data-testid="compute-prove-fraud" disabled={pending || !proof} onClick={() => run(() => send({ type: "compute.proveFraud", key: job.key, item: proof! }))}>
            File fraud proof
          </button>{" "}
          <span className="muted">Your wallet asks you to confirm; the contract recomputes this one entry and, as it is wrong, credits you the price and the fine.</span>
        </div>
      ) : null}

      {job.status === "fined" ? (
        <p className="ok" data-testid="compute-fined" data-wei={job.credited ?? ""}>
          The provider was fined: {formatEth(job.credited)} ETH (your price back and the fine) is in your computing credits.
        </p>
      ) : null}
      {job.status === "failed" ? <p className="bad">{job.serverError ?? "The provider could not run this job."}</p> : null}
      <MoneyBack job={job} pending={pending} run={run} />

      {check?.state === "answer" && check.answer.kind !== "mismatch" ? (
        <button className="secondary" data-testid="compute-download-result" onClick={downloadResult}>
          Download result (CSV)
        </button>
      ) : job.receipt && !check && (job.status === "verified" || job.status === "fined") ? (
        <button className="secondary" data-testid="compute-recheck" onClick={() => void runCheck()}>
          Check the result again and download it
        </button>
      ) : null}

      <details>
        <summary>Details</summary>
        <dl>
          <Field label="Job id" testid="compute-job-id">
            <code>{job.jobId}</code>
          </Field>
          <Field label="Compute contract">
            <code>{job.contract}</code> (chain {job.chainId})
          </Field>
          <Field label="Input A root">
            <code>{job.inputs.a.fileRoot}</code>
          </Field>
          <Field label="Input B root (stored by columns)">
            <code>{job.inputs.b.fileRoot}</code>
          </Field>
          <Field label="Result root">
            <code>{job.receipt?.resultRoot ?? "—"}</code>
          </Field>
          <Field label="Result link">
            <code>{job.receipt?.link ?? "—"}</code>
          </Field>
          <Field label="Job receipt signature">
            <code>{job.receipt ? shortHex(job.receipt.signature) : "—"}</code>
          </Field>
          <Field label="Check">
            {job.check ? `Freivalds' check, ${Math.round(-job.check.errorLog2 * 10) / 10} bits, ${Math.round(job.check.ms)} ms` : "—"}
          </Field>
          <Field label="Payment transaction">
            <code>{pay?.txHash ?? "—"}</code>
          </Field>
          <Field label="Fraud proof transaction" testid="compute-fraud-tx">
            <code>{fraud?.txHash ?? "—"}</code>
          </Field>
          <Field label="Delivery dispute transaction">
            <code>{job.actions.find((x) => x.kind === "disputeDelivery")?.txHash ?? "—"}</code>
          </Field>
          <Field label="Result challenge transaction">
            <code>{job.actions.find((x) => x.kind === "challengeResult")?.txHash ?? "—"}</code>
          </Field>
          <Field label="Penalty claim transaction">
            <code>{job.actions.find((x) => x.kind === "claimPenalty")?.txHash ?? "—"}</code>
          </Field>
          <Field label="On chain">
            {job.onChain ? `state ${job.onChain.state}${job.onChain.deadline ? `, answer due ${at(job.onChain.deadline)}` : ""}, disputes close ${at(job.onChain.closesAt)}` : "—"}
          </Field>
        </dl>
      </details>
    </div>
  );
}

/** A labelled choice among the stored files (one side of a job). */
function StoredFileSelect({ side, title, files, label, value, onChange }: { side: "a" | "b"; title: string; files: VaultRecord[]; label: (r: VaultRecord) => string; value: string; onChange: (key: string) => void }) {
  return (
    <>
      <label htmlFor={`compute-${side}`}>{title}</label>
      <select id={`compute-${side}`} data-testid={`compute-input-${side}`} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">Choose a stored file…</option>
        {files.map((r) => (
          <option key={r.key} value={r.key}>
            {label(r)}
          </option>
        ))}
      </select>
    </>
  );
}
