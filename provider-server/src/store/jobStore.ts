import type { JobQuote } from "@pekanu/protocol/compute";
import type { Address, Hex } from "viem";
import type { SqlDatabase, SqlValue } from "../db/SqlDatabase.ts";

/** The worker's side of a job: quoted → queued (payment seen) → running → done | failed. */
export type JobStatus = "quoted" | "queued" | "running" | "done" | "failed";

export type JobReceiptRecord = { resultRoot: Hex; resultSize: number; link: string; signature: Hex; signer: Address };

/** A compute job as the server keeps it: the signed JobQuote plus what happened to it since. */
export type JobRecord = {
  quote: JobQuote;
  quoteSignature: Hex;
  quotedAt: number;
  status: JobStatus;
  paidTx: Hex | null;
  paidBlock: number | null;
  /** ComputeContract's JobState by name as last seen in its events (Paid, DeliveryDisputed, …). */
  chainState: string | null;
  /** Whether the receipt was shown on chain (JobReceiptPublished, or a result challenge). */
  delivered: boolean;
  receipt: JobReceiptRecord | null;
  publishTx: Hex | null;
  error: string | null;
};

type Row = Record<string, string | number | bigint | null>;

function fromRow(row: Row): JobRecord {
  return {
    quote: {
      jobId: row.job_id as Hex,
      client: row.client as Address,
      kernel: Number(row.kernel),
      inputA: row.input_a as Hex,
      inputB: row.input_b as Hex,
      m: Number(row.m),
      k: Number(row.k),
      n: Number(row.n),
      price: BigInt(row.price as string),
      fine: BigInt(row.fine as string),
      deliverBy: BigInt(row.deliver_by as number | string),
      expiresAt: BigInt(row.expires_at as number | string),
    },
    quoteSignature: row.quote_signature as Hex,
    quotedAt: Number(row.quoted_at),
    status: row.status as JobStatus,
    paidTx: row.paid_tx as Hex | null,
    paidBlock: row.paid_block === null ? null : Number(row.paid_block),
    chainState: row.chain_state as string | null,
    delivered: Number(row.delivered) === 1,
    receipt:
      row.receipt_signature === null
        ? null
        : {
            resultRoot: row.result_root as Hex,
            resultSize: Number(row.result_size),
            link: row.receipt_link as string,
            signature: row.receipt_signature as Hex,
            signer: row.receipt_signer as Address,
          },
    publishTx: row.publish_tx as Hex | null,
    error: row.error as string | null,
  };
}

/** A chain fact about a job, applied by the compute event follower. */
export type JobChainUpdate =
  | { kind: "paid"; jobId: Hex; txHash: Hex; blockNumber: number }
  | { kind: "state"; jobId: Hex; state: string }
  | { kind: "delivered"; jobId: Hex };

/**
 * The `jobs` table (SQLite or PostgreSQL): every method is async; wei amounts are TEXT.
 */
export function createJobStore(db: SqlDatabase) {
  const now = () => Math.floor(Date.now() / 1000);
  const rows = async (sql: string, params: readonly SqlValue[]) => (await db.all<Row>(sql, params)).map(fromRow);
  return {
    async insert({ quote, quoteSignature, quotedAt }: { quote: JobQuote; quoteSignature: Hex; quotedAt: number }): Promise<void> {
      const q = quote;
      await db.run(
        `INSERT INTO jobs (job_id, client, kernel, input_a, input_b, m, k, n, price, fine, deliver_by, expires_at, quote_signature, quoted_at, status, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'quoted', ?)`,
        [q.jobId, q.client, q.kernel, q.inputA, q.inputB, q.m, q.k, q.n, q.price.toString(), q.fine.toString(), Number(q.deliverBy), Number(q.expiresAt), quoteSignature, quotedAt, now()],
      );
    },
    async get(jobId: Hex): Promise<JobRecord | undefined> {
      const row = await db.get<Row>("SELECT * FROM jobs WHERE job_id = ?", [jobId.toLowerCase()]);
      return row && fromRow(row);
    },
    async listByClient({ client, limit }: { client: Address; limit: number }): Promise<JobRecord[]> {
      return rows("SELECT * FROM jobs WHERE client = ? ORDER BY quoted_at DESC, job_id LIMIT ?", [client, limit]);
    },
    /** Jobs with this worker status, oldest quote first (the queue after a restart: queued and running). */
    async withStatus({ status, limit }: { status: JobStatus; limit: number }): Promise<JobRecord[]> {
      return rows("SELECT * FROM jobs WHERE status = ? ORDER BY quoted_at, job_id LIMIT ?", [status, limit]);
    },
    async setStatus({ jobId, status, error = null }: { jobId: Hex; status: JobStatus; error?: string | null }): Promise<void> {
      await db.run("UPDATE jobs SET status = ?, error = ?, updated_at = ? WHERE job_id = ?", [status, error, now(), jobId]);
    },
    /** Records the signed receipt once (status done); false when the job already had one. */
    async setReceipt({ jobId, receipt }: { jobId: Hex; receipt: JobReceiptRecord }): Promise<boolean> {
      const r = receipt;
      const { changes } = await db.run(
        `UPDATE jobs SET result_root = ?, result_size = ?, receipt_link = ?, receipt_signature = ?, receipt_signer = ?, status = 'done', error = NULL, updated_at = ?
         WHERE job_id = ? AND receipt_signature IS NULL`,
        [r.resultRoot, r.resultSize, r.link, r.signature, r.signer, now(), jobId],
      );
      return changes > 0;
    },
    async setPublishTx({ jobId, txHash }: { jobId: Hex; txHash: Hex }): Promise<void> {
      await db.run("UPDATE jobs SET publish_tx = ?, updated_at = ? WHERE job_id = ?", [txHash, now(), jobId]);
    },
    /** Whether `client` owns the result file `fileRoot` of one of its jobs (what lets it download and audit it). */
    async clientOwnsResult({ client, fileRoot }: { client: Address; fileRoot: Hex }): Promise<boolean> {
      const row = await db.get(
        "SELECT 1 AS ok FROM jobs WHERE client = ? AND result_root = ? AND receipt_signature IS NOT NULL AND (chain_state IS NULL OR chain_state <> 'Refunded') LIMIT 1",
        [client, fileRoot.toLowerCase()],
      );
      return row !== undefined;
    },
    /** Paid jobs whose deliverBy is at most `now` (chain time): candidates for settleMany. */
    async collectable({ now: at, limit }: { now: number; limit: number }): Promise<JobRecord[]> {
      return rows("SELECT * FROM jobs WHERE chain_state = 'Paid' AND deliver_by <= ? ORDER BY deliver_by, job_id LIMIT ?", [at, limit]);
    },
    /** Done jobs whose receipt is not on chain yet. */
    async unpublished({ limit }: { limit: number }): Promise<JobRecord[]> {
      return rows("SELECT * FROM jobs WHERE status = 'done' AND delivered = 0 AND chain_state IN ('Paid', 'DeliveryDisputed') ORDER BY quoted_at, job_id LIMIT ?", [limit]);
    },
    /** Applies chain facts (one follower batch, inside its transaction) and returns the jobs newly queued. Idempotent. */
    async applyChain(updates: readonly JobChainUpdate[]): Promise<Hex[]> {
      const queued: Hex[] = [];
      const t = now();
      for (const u of updates) {
        const jobId = u.jobId.toLowerCase() as Hex;
        if (u.kind === "paid") {
          const { changes } = await db.run(
            "UPDATE jobs SET paid_tx = ?, paid_block = ?, chain_state = 'Paid', status = CASE WHEN status = 'quoted' THEN 'queued' ELSE status END, updated_at = ? WHERE job_id = ? AND paid_tx IS NULL",
            [u.txHash, u.blockNumber, t, jobId],
          );
          if (changes > 0) queued.push(jobId);
        } else if (u.kind === "state") await db.run("UPDATE jobs SET chain_state = ?, updated_at = ? WHERE job_id = ?", [u.state, t, jobId]);
        else await db.run("UPDATE jobs SET delivered = 1, updated_at = ? WHERE job_id = ?", [t, jobId]);
      }
      return queued;
    },
    /** Deletes quotes that expired unpaid before `before`; returns how many. */
    async pruneExpiredQuotes({ before }: { before: number }): Promise<number> {
      return (await db.run("DELETE FROM jobs WHERE status = 'quoted' AND paid_tx IS NULL AND chain_state IS NULL AND expires_at < ?", [before])).changes;
    },
  };
}

export type JobStore = ReturnType<typeof createJobStore>;
