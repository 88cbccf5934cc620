// Export the vault to JSON and import it back (another browser, a backup). On import every σ is
// verified — against contract.signer() read on chain when the chain is reachable, otherwise
// against the signer recorded with the receipt (flagged "verifiedOffline") — and a record whose
// signature does not verify is refused. Duplicates merge with what is stored.
// File keys (`encryption.key`) are written only when asked (`includeKeys`): the extension exports
// them inside a passphrase-sealed file (sealVaultExport.ts); a plaintext export with keys is an
// explicit choice.
import { z } from "zod";
import type { Address } from "../flow.ts";
import {
  migrateV1Record,
  recordKey,
  searchTextOf,
  type VaultRecord,
  type VaultRecordV1,
} from "./schema.ts";
import { createBatchVerifier, type BatchVerifier, type SignedSubject } from "./verify.ts";

export const EXPORT_FORMAT = "pekanu-vault";
/** 3: records carry `encryption` (mode, key or null, sizes). */
export const EXPORT_VERSION = 3;

const hex = (bytes?: number) =>
  z
    .string()
    .regex(bytes === undefined ? /^0x(?:[0-9a-fA-F]{2})*$/ : new RegExp(`^0x[0-9a-fA-F]{${bytes * 2}}$`))
    .transform((s) => s.toLowerCase() as `0x${string}`);
const address = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/)
  .transform((s) => s as Address);
const uint = z.string().regex(/^(0|[1-9][0-9]{0,77})$/);

const quoteSchema = z.object({
  orderId: hex(32),
  client: address,
  fileRoot: hex(32),
  size: uint,
  price: uint,
  fine: uint,
  storageUntil: uint,
  expiresAt: uint,
});

const recordSchema = z.object({
  chainId: z.number().int().positive(),
  contract: address,
  orderId: hex(32),
  quote: quoteSchema,
  quoteSignature: hex(65),
  link: z.string().max(2048).nullable(),
  signature: hex(65).nullable(),
  signer: address.nullable().optional(),
  fileName: z.string().max(1024).optional().default(""),
  mimeType: z.string().max(255).optional().default(""),
  providerUrl: z.string().max(2048).optional().default(""),
  deduplicated: z.boolean().optional().default(false),
  payTxHash: hex(32).nullable().optional(),
  payBlock: z.number().int().nullable().optional(),
  paymentStatus: z.enum(["pending", "mined", "reverted", "unknown"]).optional(),
  createdAt: z.number().optional(),
  updatedAt: z.number().optional(),
  actions: z
    .array(
      z.object({
        kind: z.enum(["disputeDelivery", "challengeStorage", "claimPenalty", "withdraw"]),
        txHash: hex(32),
        at: z.number(),
        status: z.enum(["pending", "confirmed", "failed"]),
        value: z.string().optional(),
        blockNumber: z.number().optional(),
      }),
    )
    .max(1000)
    .optional()
    .default([]),
  audits: z
    .array(z.object({ at: z.number(), index: z.number().int().nonnegative(), ok: z.boolean(), problem: z.string().optional() }))
    .max(10_000)
    .optional()
    .default([]),
  encryption: z
    .object({
      mode: z.enum(["private", "convergent"]),
      key: hex(32).nullable(),
      plaintextSize: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
      segmentSize: z.number().int().min(1024).max(1 << 24),
      header: hex(100).optional(),
    })
    .nullable()
    .optional()
    .default(null),
});

const v1RecordSchema = z.object({
  orderId: hex(32),
  chainId: z.number().int().positive(),
  contract: address,
  quote: quoteSchema,
  quoteSignature: hex(65),
  link: z.string(),
  signature: hex(65),
  signer: address,
  fileName: z.string(),
  providerUrl: z.string(),
  savedAt: z.number(),
});

export type ExportFile = { format: typeof EXPORT_FORMAT; version: number; exportedAt: number; records: unknown[] };

export type ExportVaultOptions = {
  /**
   * Write each file's key (default false: `encryption.key` is null in the file). Only a sealed export
   * (`sealVaultExport`) or a plaintext export the person explicitly chose should pass true.
   */
  includeKeys?: boolean;
};

export function exportVault(records: VaultRecord[], now = Date.now(), { includeKeys = false }: ExportVaultOptions = {}): string {
  const file: ExportFile = {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    exportedAt: now,
    records: records.map(({ searchText: _searchText, key: _key, encryption, ...rest }) => ({
      ...rest,
      encryption: encryption ? { ...encryption, key: includeKeys ? encryption.key : null } : null,
    })),
  };
  return JSON.stringify(file, null, 1);
}

/** Where the signer of a contract comes from during an import. */
export type SignerSource = {
  /** contract.signer() read on chain, or null when the chain cannot be read (offline, other network). */
  onChainSigner(chainId: number, contract: Address): Promise<Address | null>;
  /**
   * Whether `recovered` is a signer the contract rotated out after `orderId` was paid (σ from it
   * stays valid for that order). Only asked when the chain is readable and σ is not by the current signer.
   */
  isRetiredSignerFor?(chainId: number, contract: Address, recovered: Address, orderId: `0x${string}`): Promise<boolean>;
};

export type ImportRefusal = { index: number; orderId: string | null; reason: string };

export type ImportReport = {
  total: number;
  added: number;
  merged: number;
  verifiedOnChain: number;
  verifiedOffline: number;
  refused: ImportRefusal[];
  /** The records to save (already verified); the caller merges them into the vault. */
  records: VaultRecord[];
  /** Milliseconds spent parsing/validating and verifying signatures. */
  timings: { parseMs: number; verifyMs: number };
};

type Candidate = { index: number; record: VaultRecord; recordedSigner: Address | null };

function toRecord(parsed: z.output<typeof recordSchema>, now: number): VaultRecord {
  const record: VaultRecord = {
    key: recordKey(parsed.chainId, parsed.contract, parsed.orderId),
    chainId: parsed.chainId,
    contract: parsed.contract,
    orderId: parsed.orderId,
    client: parsed.quote.client,
    fileRoot: parsed.quote.fileRoot,
    size: Number(parsed.quote.size),
    quote: parsed.quote,
    quoteSignature: parsed.quoteSignature,
    link: parsed.link,
    signature: parsed.signature,
    signer: parsed.signer ?? null,
    verification: { status: "unverified", by: null, at: null },
    fileName: parsed.fileName,
    mimeType: parsed.mimeType,
    providerUrl: parsed.providerUrl,
    deduplicated: parsed.deduplicated,
    payTxHash: parsed.payTxHash ?? null,
    payBlock: parsed.payBlock ?? null,
    paymentStatus: parsed.paymentStatus ?? "unknown",
    createdAt: parsed.createdAt ?? now,
    updatedAt: parsed.updatedAt ?? now,
    chain: null,
    actions: parsed.actions,
    audits: parsed.audits,
    searchText: "",
    encryption: parsed.encryption,
  };
  record.searchText = searchTextOf(record);
  return record;
}

function consistencyProblem(r: VaultRecord): string | null {
  const q = r.quote;
  if (q.orderId.toLowerCase() !== r.orderId.toLowerCase()) return "order id differs from the quote's";
  if (r.signature !== null && r.link === null) return "σ without its link L";
  if (r.signature === null && r.link !== null) return "link L without σ";
  return null;
}

export type ImportOptions = {
  now?: number;
  /** Also verify the quote signature of records that carry σ (σ alone is always verified). */
  checkQuoteSignatures?: boolean;
};

/** Parses and verifies an export; returns what to save and what was refused (and why). */
export async function verifyImport(json: string, source: SignerSource, options: ImportOptions = {}): Promise<ImportReport> {
  const now = options.now ?? Date.now();
  const checkQuotes = options.checkQuoteSignatures ?? false;
  const started = performance.now();
  let file: unknown;
  try {
    file = JSON.parse(json);
  } catch {
    throw new Error("The file is not JSON.");
  }
  const envelope = z
    .object({ format: z.literal(EXPORT_FORMAT), version: z.number().int(), records: z.array(z.unknown()).optional(), receipts: z.array(z.unknown()).optional() })
    .safeParse(file);
  if (!envelope.success) throw new Error("The file is not a Pekanu vault export.");
  const { version } = envelope.data;
  if (version > EXPORT_VERSION) throw new Error(`The file comes from a newer Pekanu (vault format ${version}). Update the extension first.`);
  const rawRecords = (version === 1 ? envelope.data.receipts : envelope.data.records) ?? [];

  const refused: ImportRefusal[] = [];
  const candidates: Candidate[] = [];
  rawRecords.forEach((raw, index) => {
    let record: VaultRecord;
    if (version === 1) {
      const parsed = v1RecordSchema.safeParse(raw);
      if (!parsed.success) {
        refused.push({ index, orderId: orderIdOf(raw), reason: "malformed record" });
        return;
      }
      record = migrateV1Record(parsed.data as VaultRecordV1);
    } else {
      const parsed = recordSchema.safeParse(raw);
      if (!parsed.success) {
        refused.push({ index, orderId: orderIdOf(raw), reason: "malformed record" });
        return;
      }
      record = toRecord(parsed.data, now);
    }
    const problem = consistencyProblem(record);
    if (problem) {
      refused.push({ index, orderId: record.orderId, reason: problem });
      return;
    }
    candidates.push({ index, record, recordedSigner: record.signer });
  });

  const parsedAt = performance.now();
  // One signer lookup per contract; one batch verifier per signer.
  const onChain = new Map<string, Address | null>();
  const verifiers = new Map<string, BatchVerifier>();
  const verifierFor = (signer: Address) => {
    const k = signer.toLowerCase();
    let v = verifiers.get(k);
    if (!v) verifiers.set(k, (v = createBatchVerifier(signer)));
    return v;
  };

  const accepted: VaultRecord[] = [];
  let verifiedOnChain = 0;
  let verifiedOffline = 0;
  for (const { index, record, recordedSigner } of candidates) {
    const contractKey = `${record.chainId}:${record.contract.toLowerCase()}`;
    if (!onChain.has(contractKey)) {
      let signer: Address | null = null;
      try {
        signer = await source.onChainSigner(record.chainId, record.contract);
      } catch {
        signer = null;
      }
      onChain.set(contractKey, signer);
    }
    const chainSigner = onChain.get(contractKey) ?? null;
    const signer = chainSigner ?? recordedSigner;
    if (!signer) {
      refused.push({ index, orderId: record.orderId, reason: "cannot be verified: the chain is not reachable and no signer was recorded" });
      continue;
    }
    const verifier = verifierFor(signer);
    const subjects: SignedSubject[] = [];
    if (record.signature !== null && record.link !== null) {
      subjects.push({ kind: "receipt", chainId: record.chainId, contract: record.contract, quote: record.quote, link: record.link, signature: record.signature });
    }
    if (record.signature === null || checkQuotes) {
      subjects.push({ kind: "quote", chainId: record.chainId, contract: record.contract, quote: record.quote, signature: record.quoteSignature });
    }
    let failure: string | null = null;
    let retired = false;
    for (const subject of subjects) {
      let result = verifier.check(subject);
      if (!result.ok && result.recovered && chainSigner && source.isRetiredSignerFor) {
        const ok = await source
          .isRetiredSignerFor(record.chainId, record.contract, result.recovered, record.orderId)
          .catch(() => false);
        if (ok) result = { ok: true, signer: result.recovered, retired: true };
      }
      if (!result.ok) {
        failure = `${subject.kind === "receipt" ? "σ" : "quote signature"} is forged or not by the contract's signer (${result.problem})`;
        break;
      }
      retired ||= result.retired;
    }
    if (failure) {
      refused.push({ index, orderId: record.orderId, reason: failure });
      continue;
    }
    const by = chainSigner ? "chain" : "recorded";
    if (by === "chain") verifiedOnChain++;
    else verifiedOffline++;
    accepted.push({
      ...record,
      signer,
      verification: {
        status: by === "chain" ? "verified" : "verifiedOffline",
        by,
        at: now,
        ...(retired ? { retiredSigner: true } : {}),
        note: by === "chain" ? "verified on import against the contract's signer" : "verified on import against the recorded signer (chain not reachable)",
      },
    });
  }
  return {
    total: rawRecords.length,
    added: 0,
    merged: 0,
    verifiedOnChain,
    verifiedOffline,
    refused,
    records: accepted,
    timings: { parseMs: parsedAt - started, verifyMs: performance.now() - parsedAt },
  };
}

function orderIdOf(raw: unknown): string | null {
  return raw && typeof raw === "object" && typeof (raw as { orderId?: unknown }).orderId === "string"
    ? (raw as { orderId: string }).orderId
    : null;
}
