// The provider server's HTTP surface (PROTOCOL.md "HTTP surface"), as zod schemas: the server
// validates requests and serialises answers with them, the extension parses answers with them.
// JSON carries uint256/uint64 values as decimal strings and bytes as 0x-hex (chunks as base64).
import { z } from "zod";
import { orderStates } from "./orderState.ts";

export const API_PREFIX = "/v1";

// Every field schema is a codec (decode = parse a request or an answer, encode = serialise an
// answer), so one schema serves both directions: fastify-type-provider-zod serialises responses
// with z.encode, which refuses one-way transforms.
const hex = (bytes?: number) => {
  const pattern = bytes === undefined ? /^0x(?:[0-9a-fA-F]{2})*$/ : new RegExp(`^0x[0-9a-fA-F]{${bytes * 2}}$`);
  const message = bytes === undefined ? "expected 0x-prefixed hex" : `expected 0x-prefixed hex of ${bytes} bytes`;
  return z.codec(
    z.string().regex(pattern, { message }),
    z.custom<`0x${string}`>((v) => typeof v === "string" && pattern.test(v), { message }),
    { decode: (s) => s.toLowerCase() as `0x${string}`, encode: (s) => s.toLowerCase() },
  );
};

export const zBytes32 = hex(32);
export const zHex = hex();
export const zSignature = hex(65);
const addressPattern = /^0x[0-9a-fA-F]{40}$/;
export const zAddress = z.codec(
  z.string().regex(addressPattern, { message: "expected a 0x-prefixed 20-byte address" }),
  z.custom<`0x${string}`>((v) => typeof v === "string" && addressPattern.test(v), {
    message: "expected a 0x-prefixed 20-byte address",
  }),
  { decode: (s) => s as `0x${string}`, encode: (s) => s },
);
/** A non-negative integer carried as a decimal string (JSON has no bigint). */
export const zUint = z.codec(
  z.string().regex(/^(0|[1-9][0-9]{0,77})$/, { message: "expected a non-negative decimal integer string" }),
  z.bigint().nonnegative(),
  { decode: (s) => BigInt(s), encode: (v) => v.toString() },
);
/** Output side of zUint: bigint → decimal string. (zUint is a codec now and serves both sides.) */
export const zUintOut = z.bigint().transform((v) => v.toString());

export const errorBody = z.object({
  error: z.object({ code: z.string(), message: z.string() }),
});
export type ErrorBody = z.infer<typeof errorBody>;

/** Error codes the server answers with; the extension maps each to a sentence a person understands. */
export const errorCodes = [
  "BadRequest",
  "PayloadTooLarge",
  "Unauthenticated",
  "Forbidden",
  "NotFound",
  "Conflict",
  "NonceInvalid",
  "SiweInvalid",
  "NotRegistered",
  "RegistrationRefused",
  "QuoteRejected",
  "OrderNotPaid",
  "OrderExpired",
  "SizeMismatch",
  "RootMismatch",
  "OwnershipProofFailed",
  "RangeNotSatisfiable",
  "ChainUnavailable",
  "RateLimited",
  "Internal",
  // Compute jobs (POST /v1/jobs/quotes)
  "NotYourFile",
  "WrongDimensions",
  "JobTooLarge",
  "UnknownKernel",
  "InputEncrypted",
] as const;
export type ErrorCode = (typeof errorCodes)[number];

export const quoteJson = z.object({
  orderId: zBytes32,
  client: zAddress,
  fileRoot: zBytes32,
  size: zUint,
  price: zUint,
  fine: zUint,
  storageUntil: zUint,
  expiresAt: zUint,
});

// ── GET /v1/info ──
export const infoResponse = z.object({
  version: z.string(),
  chainId: z.number().int().positive(),
  contract: z.object({ address: zAddress, deployBlock: z.number().int().nonnegative() }),
  owner: zAddress,
  signer: zAddress,
  pricing: z.object({
    /** wei per started MiB per started day */
    weiPerMiBDay: z.string(),
    minPrice: z.string(),
    /** fine = price × fineMultiplier */
    fineMultiplier: z.number().positive(),
    quoteTtlSeconds: z.number().int().positive(),
    minStorageDays: z.number().int().positive(),
    maxStorageDays: z.number().int().positive(),
    maxFileSize: z.number().int().positive(),
  }),
  params: z.object({
    settleDelay: z.string(),
    responseWindow: z.string(),
    challengeCooldown: z.string(),
    challengeBond: z.string(),
    // Contract v2 (optional so a v1 server's answer still parses).
    maxChallengeChunks: z.string().optional(),
    bondMarginPercent: z.string().optional(),
    minFine: z.string().optional(),
    maxFine: z.string().optional(),
    maxFineMultiple: z.string().optional(),
    fineLockLimit: z.string().optional(),
    fineLockPeriod: z.string().optional(),
  }),
  registration: z.object({ policy: z.enum(["open", "allowlist", "invite"]) }),
  ownershipChallenges: z.number().int().positive(),
  /** What a sign-in message (EIP-4361) must say to be accepted. */
  siwe: z
    .object({
      /** Accepted `domain`s: the server's host, then the accepted extension ids. */
      domains: z.array(z.string()),
      /** Whether any Chrome extension id is accepted as `domain` too (local chains by default). */
      anyExtensionId: z.boolean(),
      /** `uri` must be on this origin (the server's public URL). */
      uriOrigin: z.string(),
      chainId: z.number().int().positive(),
    })
    .optional()
    .describe("SIWE: the accepted domains; the session is bound to uriOrigin, chainId and a single-use nonce"),
  /** The contract's OrderState enum in order: `orderOf(id).state` is an index into this list. */
  orderStates: z.array(z.string()).optional().describe("the contract's OrderState enum in order: orderOf(id).state is an index into it"),
  /** Compute jobs (docs/protocol-notes.md "Compute jobs"): null when this provider runs none. */
  compute: z
    .object({
      contract: zAddress,
      chainId: z.number().int().positive(),
      signer: zAddress,
      kernels: z.array(
        z.object({
          id: z.number().int().positive(),
          name: z.string(),
          maxM: z.number().int().positive(),
          maxK: z.number().int().positive(),
          maxN: z.number().int().positive(),
        }),
      ),
      /** Wei per 10^9 multiply-adds (m·k·n for matmul, k·n for polyEval), decimal string. */
      pricePerGigaMulAdd: z.string(),
      /** The price of a job is never below this (wei, decimal string). */
      minPrice: z.string(),
      /** Largest m·k·n (multiply-adds) of one job. */
      maxMulAdds: z.number().int().positive(),
    })
    .nullable()
    .optional()
    .describe("compute jobs: the ComputeContract, its signer, the kernels and their limits, the price; null when this provider runs none"),
  /** The client-facing ABI ("client contract code" of seed step 4). */
  abi: z.array(z.unknown()).describe("client-facing ABI: the functions a client calls, the read-only functions, client and order events, errors"),
});
export type InfoResponse = z.infer<typeof infoResponse>;

// ── Sign-In with Ethereum ──
export const nonceResponse = z.object({ nonce: z.string(), expiresAt: z.number().int() });
export const sessionRequest = z.object({ message: z.string().min(1).max(4096), signature: zSignature });
export const sessionResponse = z.object({ token: z.string(), address: zAddress, expiresAt: z.number().int() });

// ── POST /v1/registrations ──
export const registrationRequest = z.object({ inviteCode: z.string().max(200).optional() }).strict();
export const registrationResponse = z.object({
  address: zAddress,
  alreadyRegistered: z.boolean(),
  txHash: zBytes32.nullable(),
  chainId: z.number().int(),
  contractAddress: zAddress,
  deployBlock: z.number().int(),
  abi: z.array(z.unknown()),
});
export type RegistrationResponse = z.infer<typeof registrationResponse>;

// ── POST /v1/quotes ──
export const quoteRequest = z
  .object({
    fileRoot: zBytes32,
    size: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).describe("file size in bytes, as a JSON number (answers carry uint64 as decimal strings)"),
    storageDays: z.number().int().positive().max(36_500).describe("storage period in days, within /v1/info pricing.minStorageDays..maxStorageDays"),
  })
  .strict();
export const quoteResponse = z.object({
  quote: quoteJson,
  signature: zSignature,
  /** The provider already stores this file: prove ownership of these chunks instead of uploading. */
  deduplicated: z.boolean(),
  ownershipChallenge: z.object({ indices: z.array(z.number().int().nonnegative()) }).nullable(),
});
export type QuoteResponse = z.infer<typeof quoteResponse>;

// ── GET /v1/orders/{orderId} ──
export const orderStatuses = ["quoted", "paid", "stored", "expired"] as const;
export const orderResponse = z.object({
  orderId: zBytes32,
  status: z.enum(orderStatuses),
  quote: quoteJson,
  deduplicated: z.boolean(),
  payment: z
    .object({
      txHash: zBytes32,
      blockNumber: z.number().int(),
      confirmations: z.number().int(),
      requiredConfirmations: z.number().int(),
      confirmed: z.boolean(),
    })
    .nullable(),
  /** The contract's state of the order by name (orderStates), null before the server saw it on chain. */
  chainState: z.enum(orderStates).nullable(),
  receipt: z.object({ link: z.string(), signature: zSignature }).nullable(),
});
export type OrderResponse = z.infer<typeof orderResponse>;

// ── GET /v1/orders ── the signed-in client's orders, newest first.
export const ordersQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(500).default(100),
    status: z.enum(orderStatuses).optional(),
  })
  .strict();
export const ordersResponse = z.object({ orders: z.array(orderResponse) });
export type OrdersResponse = z.infer<typeof ordersResponse>;

// ── PUT /v1/orders/{orderId}/content ──
/** With Content-Type application/json instead of application/octet-stream: the ownership proof. */
export const ownershipProofRequest = z
  .object({
    proofs: z
      .array(
        z.object({
          index: z.number().int().nonnegative(),
          chunk: z.string().max(2048), // base64 of ≤ 1024 bytes
          proof: z.array(zBytes32).max(64),
        }),
      )
      .min(1)
      .max(64),
  })
  .strict();
export const receiptResponse = z.object({
  orderId: zBytes32,
  link: z.string(),
  signature: zSignature,
  signer: zAddress,
  deduplicated: z.boolean(),
});
export type ReceiptResponse = z.infer<typeof receiptResponse>;

// ── GET {L}/audit?index=N ──
export const auditResponse = z.object({
  fileRoot: zBytes32,
  size: zUint,
  index: z.number().int().nonnegative(),
  chunk: z.string(), // base64
  proof: z.array(zBytes32),
});
export type AuditResponse = z.infer<typeof auditResponse>;

// ── GET {L}/audit-batch?indices=3,17,40 ── (answer: application/octet-stream, encodeAuditBatch)
/** Up to MAX_AUDIT_BATCH_CHUNKS (64) strictly increasing chunk indices, comma-separated decimals. */
export const auditBatchQuery = z
  .object({
    indices: z
      .string()
      .max(64 * 17)
      .regex(/^(0|[1-9][0-9]{0,15})(,(0|[1-9][0-9]{0,15})){0,63}$/, "comma-separated chunk indices, at most 64")
      .transform((value, ctx) => {
        const list = value.split(",").map(Number);
        if (list.some((n) => !Number.isSafeInteger(n))) ctx.addIssue({ code: "custom", message: "an index is too large" });
        else if (list.some((n, i) => i > 0 && n <= list[i - 1]!)) ctx.addIssue({ code: "custom", message: "indices must be strictly increasing" });
        return list;
      }),
  })
  .strict();
export type AuditBatchQuery = z.infer<typeof auditBatchQuery>;

/** The link pointer L for a stored file. */
export function fileLink({ baseUrl, fileRoot }: { baseUrl: string; fileRoot: string }): string {
  return `${baseUrl.replace(/\/+$/, "")}${API_PREFIX}/files/${fileRoot.toLowerCase()}`;
}
