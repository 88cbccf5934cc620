import type { Hex } from "viem";
import type { SqlDatabase } from "../db/SqlDatabase.ts";

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

type Row = Record<string, string | number | null>;

const fromRow = (row: Row): TaskRecord => ({
  id: Number(row.id),
  kind: row.kind as TaskKind,
  orderId: row.order_id as Hex,
  trigger: row.trigger as string,
  status: row.status as TaskStatus,
  txHash: row.tx_hash as Hex | null,
  attempts: Number(row.attempts),
  lastError: row.last_error as string | null,
  nextAttemptAt: Number(row.next_attempt_at),
  deadline: row.deadline === null || row.deadline === undefined ? null : Number(row.deadline),
  createdAt: Number(row.created_at),
  updatedAt: Number(row.updated_at),
});

/** Persistent work queue for the automatic answers to disputes and challenges. */
export function createTaskStore(db: SqlDatabase) {
  return {
    /** Adds a task once per trigger (an event's block:logIndex), so a replayed event adds nothing. */
    async add({ kind, orderId, trigger, now, deadline = null }: { kind: TaskKind; orderId: Hex; trigger: string; now: number; deadline?: number | null }): Promise<boolean> {
      const { changes } = await db.run(
        "INSERT INTO tasks (kind, order_id, trigger, status, next_attempt_at, deadline, created_at, updated_at) VALUES (?, ?, ?, 'pending', ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        [kind, orderId, trigger, now, deadline, now, now],
      );
      return changes === 1;
    },
    async due({ now, limit }: { now: number; limit: number }): Promise<TaskRecord[]> {
      // Earliest deadline first; a task without one (none known) after those with one.
      const rows = await db.all<Row>(
        "SELECT * FROM tasks WHERE status IN ('pending', 'sent') AND next_attempt_at <= ? ORDER BY deadline IS NULL, deadline, id LIMIT ?",
        [now, limit],
      );
      return rows.map(fromRow);
    },
    async open(): Promise<TaskRecord[]> {
      return (await db.all<Row>("SELECT * FROM tasks WHERE status IN ('pending', 'sent') ORDER BY id")).map(fromRow);
    },
    async recent(limit: number): Promise<TaskRecord[]> {
      return (await db.all<Row>("SELECT * FROM tasks ORDER BY id DESC LIMIT ?", [limit])).map(fromRow);
    },
    async forOrder(orderId: Hex): Promise<TaskRecord[]> {
      return (await db.all<Row>("SELECT * FROM tasks WHERE order_id = ? ORDER BY id", [orderId])).map(fromRow);
    },
    async update(task: TaskRecord, now: number): Promise<void> {
      await db.run("UPDATE tasks SET status = ?, tx_hash = ?, attempts = ?, last_error = ?, next_attempt_at = ?, deadline = ?, updated_at = ? WHERE id = ?", [
        task.status,
        task.txHash,
        task.attempts,
        task.lastError,
        task.nextAttemptAt,
        task.deadline,
        now,
        task.id,
      ]);
    },
  };
}

export type TaskStore = ReturnType<typeof createTaskStore>;
