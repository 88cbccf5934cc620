import type { Hex } from "viem";
import type { Database } from "../db/openDatabase.ts";

export type TaskKind = "answerDeliveryDispute" | "answerStorageChallenge" | "answerJobDispute" | "answerResultChallenge";
/** pending → (sent) → done | obsolete | failed */
export type TaskStatus = "pending" | "sent" | "done" | "obsolete" | "failed";

export type TaskRecord = {
  id: number;
  kind: TaskKind;
  orderId: Hex;
  trigger: string;
  status: TaskStatus;
  txHash: Hex | null;
  attempts: number;
  lastError: string | null;
  nextAttemptAt: number;
  /** Chain time by which the answer must be mined (from the event); earliest goes first. */
  deadline: number | null;
  createdAt: number;
  updatedAt: number;
};

/** Persistent work queue for the automatic answers to disputes and challenges. */
export function createTaskStore(db: Database) {
  const insert = db.prepare(
    "INSERT OR IGNORE INTO tasks (kind, order_id, trigger, status, next_attempt_at, deadline, created_at, updated_at) VALUES (?, ?, ?, 'pending', ?, ?, ?, ?)",
  );
  const due = db.prepare(
    // Earliest deadline first; a task without one (none known) after those with one.
    "SELECT * FROM tasks WHERE status IN ('pending', 'sent') AND next_attempt_at <= ? ORDER BY deadline IS NULL, deadline, id LIMIT ?",
  );
  const open = db.prepare("SELECT * FROM tasks WHERE status IN ('pending', 'sent') ORDER BY id");
  const recent = db.prepare("SELECT * FROM tasks ORDER BY id DESC LIMIT ?");
  const byOrder = db.prepare("SELECT * FROM tasks WHERE order_id = ? ORDER BY id");
  const update = db.prepare(
    "UPDATE tasks SET status = ?, tx_hash = ?, attempts = ?, last_error = ?, next_attempt_at = ?, deadline = ?, updated_at = ? WHERE id = ?",
  );
  const fromRow = (row: Record<string, string | number | null>): TaskRecord => ({
    id: row.id as number,
    kind: row.kind as TaskKind,
    orderId: row.order_id as Hex,
    trigger: row.trigger as string,
    status: row.status as TaskStatus,
    txHash: row.tx_hash as Hex | null,
    attempts: row.attempts as number,
    lastError: row.last_error as string | null,
    nextAttemptAt: row.next_attempt_at as number,
    deadline: (row.deadline as number | null) ?? null,
    createdAt: row.created_at as number,
    updatedAt: row.updated_at as number,
  });
  return {
    /** Adds a task once per trigger (an event's block:logIndex), so a replayed event adds nothing. */
    add({ kind, orderId, trigger, now, deadline = null }: { kind: TaskKind; orderId: Hex; trigger: string; now: number; deadline?: number | null }): boolean {
      return Number(insert.run(kind, orderId, trigger, now, deadline, now, now).changes) === 1;
    },
    due({ now, limit }: { now: number; limit: number }): TaskRecord[] {
      return (due.all(now, limit) as Record<string, string | number | null>[]).map(fromRow);
    },
    open(): TaskRecord[] {
      return (open.all() as Record<string, string | number | null>[]).map(fromRow);
    },
    recent(limit: number): TaskRecord[] {
      return (recent.all(limit) as Record<string, string | number | null>[]).map(fromRow);
    },
    forOrder(orderId: Hex): TaskRecord[] {
      return (byOrder.all(orderId) as Record<string, string | number | null>[]).map(fromRow);
    },
    update(task: TaskRecord, now: number): void {
      update.run(task.status, task.txHash, task.attempts, task.lastError, task.nextAttemptAt, task.deadline, now, task.id);
    },
  };
}

export type TaskStore = ReturnType<typeof createTaskStore>;
