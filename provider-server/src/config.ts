// The provider server's configuration: one table of options, each settable by a CLI flag or an
// environment variable (flag wins), with a documented default. Keys are only ever read from the
// environment or from files: a key on the command line would show up in `ps` and shell history.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { type Address, type Hex, getAddress, isAddress, parseEther } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { ConfigError } from "./ConfigError.ts";

export type RegistrationPolicy = "open" | "allowlist" | "invite";
export type ParamsProfile = "local" | "public" | "auto";

export type Pricing = {
  /** Wei per started MiB per storage day. */
  weiPerMiBDay: bigint;
  /** The price of a quote is never below this. */
  minPrice: bigint;
  /** fine = price × fineMultiplier (at most 4 decimals). */
  fineMultiplier: number;
  quoteTtlSeconds: number;
  minStorageDays: number;
  maxStorageDays: number;
  /** Largest file accepted, in bytes. */
  maxFileSize: number;
};

export type ProviderConfig = {
  dataDir: string;
  host: string;
  port: number;
  /** Base of the link pointer L and of SIWE's uri; defaults to http://host:port. */
  publicBaseUrl: string;
  /** EIP-4361 domain the sign-in message may name for this server; defaults to the base URL's host. */
  siweDomain: string;
  /**
   * Chrome extension ids also accepted as the EIP-4361 domain (MetaMask checks the domain against
   * the requesting extension's origin), or "any" for every extension id. Undefined in the input:
   * "any" on a local chain (31337/1337), none elsewhere.
   */
  siweExtensionIds: string[] | "any" | "local";
  rpcUrl: string;
  /** When set, the RPC's chain id must equal it. */
  chainId: number | undefined;
  ownerKey: Hex;
  signerKey: Hex;
  /** Attach to this contract instead of deploying one on first start. */
  contractAddress: Address | undefined;
  /** First block to follow when attaching (found by binary search on eth_getCode otherwise). */
  deployBlock: number | undefined;
  /** Initial stake sent with the deployment, in wei. */
  stakeWei: bigint;
  paramsProfile: ParamsProfile;
  /** Blocks on top of a payment before it counts (undefined: 1 on local chains, 3 elsewhere). */
  confirmations: number | undefined;
  pollIntervalMs: number;
  maxBlockRange: number;
  pricing: Pricing;
  registration: { policy: RegistrationPolicy; allowlist: Address[]; inviteCodes: string[] };
  /** k: chunks a client must prove to be linked to a file the provider already stores. */
  ownershipChallenges: number;
  sessionTtlSeconds: number;
  nonceTtlSeconds: number;
  /** Largest JSON body in bytes. */
  bodyLimit: number;
  /** Largest ownership-proof body in bytes. */
  proofBodyLimit: number;
  /** Sign-in requests (nonce + session) one client IP may make at once (token bucket size). */
  authBurst: number;
  /** Sign-in requests per minute one client IP may make on average (token refill rate). */
  authPerMinute: number;
  /** Quotes one session may ask for at once (token bucket size) and per minute on average. */
  quoteBurst: number;
  quotesPerMinute: number;
  /** Registration (open policy) needs this balance in wei; "auto": the lowest price + gas of one payment. */
  registrationMinBalance: bigint | "auto";
  /** Time to receive a request's headers (slow-loris), ms. */
  headersTimeoutMs: number;
  /** A connection with no traffic in either direction for this long is closed, ms. */
  idleTimeoutMs: number;
  /** A JSON body must have arrived completely this long after the request started, ms. */
  bodyTimeoutMs: number;
  /** An upload slower than this on average over each idle-timeout window is cut, bytes/s. */
  minUploadBytesPerSecond: number;
  /** Longest time for one whole request, body included, ms (Node's requestTimeout). */
  requestTimeoutMs: number;
  /** Open connections at most, in total and per client address (IPv6: per /64). */
  maxConnections: number;
  maxConnectionsPerIp: number;
  /** Fastify's trustProxy: false, true (any peer), or the addresses/CIDRs of trusted proxies. */
  trustProxy: boolean | string;
  /** How often due settle / release transactions are sent (0: never). */
  collectIntervalMs: number;
  /** Where blobs live: the data dir ("disk", default) or an S3-compatible bucket. */
  blobStore: "disk" | "s3";
  /** The bucket's settings (blobStore "s3"); credentials unset = the AWS SDK's default chain. */
  s3: {
    endpoint: string | undefined;
    bucket: string;
    region: string;
    prefix: string;
    forcePathStyle: boolean;
    accessKeyId: string | undefined;
    secretAccessKey: string | undefined;
    createBucket: boolean;
  };
  /** A resumable upload's writer lease: another instance may take an order over this long after its writer died. */
  uploadLeaseMs: number;
  /** A PATCH that sends no bytes for this long is ended (what arrived is kept). */
  uploadStallMs: number;
  /** Ceiling of the max fee per gas (wei) the server offers, also for an answer about to miss its deadline. */
  maxFeePerGas: bigint;
  /** Compute jobs (issue 14): off unless `contract` is set. */
  compute: ComputeConfig;
  logLevel: string;
};

export type ComputeConfig = {
  /** The ComputeContract served (owner = the owner key, signer = the signer key), "deploy" to deploy one on first start, or undefined: no compute. */
  contract: Address | "deploy" | undefined;
  /** Initial stake sent with a compute deployment, in wei. */
  stakeWei: bigint;
  /** Wei per 10^9 multiply-adds. */
  pricePerGigaMulAdd: bigint;
  /** Lowest price of a job, in wei. */
  minPrice: bigint;
  /** Largest m·k·n of one job. */
  maxMulAdds: number;
  /** Jobs computed at once (each in its own worker thread). */
  concurrency: number;
  /** Seconds from a quote to its deliverBy. */
  deliverSeconds: number;
  /** Test only (chain 31337): flip one entry of every result, sign and publish it as if honest. */
  testFlipResult: boolean;
};

type OptionSpec = {
  key: string;
  flag?: string;
  env?: string;
  /** For secrets: an env var (and flag) naming a file that holds the value. */
  fileEnv?: string;
  fileFlag?: string;
  default: string;
  doc: string;
};

/** Every option, in the order `--help` lists them. Defaults are strings so the help text shows them verbatim. */
export const configOptions: readonly OptionSpec[] = [
  { key: "dataDir", flag: "--data-dir", env: "PEKANU_DATA_DIR", default: "./.data/provider", doc: "database, blobs, temp files and deployment record" },
  { key: "host", flag: "--host", env: "PEKANU_HOST", default: "127.0.0.1", doc: "address to listen on" },
  { key: "port", flag: "--port", env: "PEKANU_PORT", default: "8787", doc: "port to listen on (0: any free port)" },
  { key: "publicBaseUrl", flag: "--public-url", env: "PEKANU_PUBLIC_URL", default: "http://<host>:<port>", doc: "base URL clients reach; the link L is <url>/v1/files/<root>" },
  { key: "siweDomain", flag: "--siwe-domain", env: "PEKANU_SIWE_DOMAIN", default: "<host of the public URL>", doc: "domain a sign-in message must name" },
  { key: "siweExtensionIds", flag: "--siwe-extension-ids", env: "PEKANU_SIWE_EXTENSION_IDS", default: "local", doc: "Chrome extension ids (comma-separated) also accepted as the sign-in domain; any = every id; local = any on chain 31337/1337, none elsewhere" },
  { key: "rpcUrl", flag: "--rpc-url", env: "PEKANU_RPC_URL", default: "http://127.0.0.1:8545", doc: "Ethereum JSON-RPC endpoint" },
  { key: "chainId", flag: "--chain-id", env: "PEKANU_CHAIN_ID", default: "", doc: "refuse to start unless the RPC serves this chain" },
  { key: "ownerKey", env: "PEKANU_OWNER_KEY", fileEnv: "PEKANU_OWNER_KEY_FILE", fileFlag: "--owner-key-file", default: "", doc: "owner private key (deploys, registers, refunds); required" },
  { key: "signerKey", env: "PEKANU_SIGNER_KEY", fileEnv: "PEKANU_SIGNER_KEY_FILE", fileFlag: "--signer-key-file", default: "<owner key>", doc: "key that signs quotes and receipts" },
  { key: "contractAddress", flag: "--contract", env: "PEKANU_CONTRACT", default: "", doc: "attach to this ServerContract instead of deploying one on first start" },
  { key: "deployBlock", flag: "--deploy-block", env: "PEKANU_DEPLOY_BLOCK", default: "", doc: "block the attached contract was deployed in (searched when unset)" },
  { key: "stake", flag: "--stake", env: "PEKANU_STAKE", default: "1", doc: "initial stake in ETH sent with the deployment" },
  { key: "paramsProfile", flag: "--params", env: "PEKANU_PARAMS", default: "auto", doc: "contract windows for a deployment: local | public | auto (local on chain 31337/1337)" },
  { key: "confirmations", flag: "--confirmations", env: "PEKANU_CONFIRMATIONS", default: "auto", doc: "blocks before a payment counts (auto: 1 on local chains, 3 elsewhere)" },
  { key: "pollIntervalMs", flag: "--poll-interval-ms", env: "PEKANU_POLL_INTERVAL_MS", default: "2000", doc: "how often contract events are polled" },
  { key: "maxBlockRange", flag: "--max-block-range", env: "PEKANU_MAX_BLOCK_RANGE", default: "2000", doc: "largest eth_getLogs block range" },
  { key: "weiPerMiBDay", flag: "--price-wei-per-mib-day", env: "PEKANU_PRICE_WEI_PER_MIB_DAY", default: "1000000000000", doc: "price in wei per started MiB per day" },
  { key: "minPrice", flag: "--min-price-wei", env: "PEKANU_MIN_PRICE_WEI", default: "10000000000000", doc: "lowest price of a quote, in wei" },
  { key: "fineMultiplier", flag: "--fine-multiplier", env: "PEKANU_FINE_MULTIPLIER", default: "2", doc: "fine = price × this (up to 4 decimals)" },
  { key: "quoteTtlSeconds", flag: "--quote-ttl", env: "PEKANU_QUOTE_TTL", default: "900", doc: "seconds a quote can be paid" },
  { key: "minStorageDays", flag: "--min-storage-days", env: "PEKANU_MIN_STORAGE_DAYS", default: "1", doc: "shortest storage period" },
  { key: "maxStorageDays", flag: "--max-storage-days", env: "PEKANU_MAX_STORAGE_DAYS", default: "3650", doc: "longest storage period" },
  { key: "maxFileSize", flag: "--max-file-size", env: "PEKANU_MAX_FILE_SIZE", default: "1073741824", doc: "largest file in bytes" },
  { key: "registrationPolicy", flag: "--registration", env: "PEKANU_REGISTRATION", default: "open", doc: "who may register: open | allowlist | invite" },
  { key: "allowlist", flag: "--allowlist", env: "PEKANU_ALLOWLIST", default: "", doc: "comma-separated addresses (policy allowlist)" },
  { key: "inviteCodes", env: "PEKANU_INVITE_CODES", fileEnv: "PEKANU_INVITE_CODES_FILE", fileFlag: "--invite-codes-file", default: "", doc: "comma- or line-separated single-use codes (policy invite)" },
  { key: "ownershipChallenges", flag: "--ownership-challenges", env: "PEKANU_OWNERSHIP_CHALLENGES", default: "8", doc: "k: chunks a client proves to be linked to a stored file" },
  { key: "sessionTtlSeconds", flag: "--session-ttl", env: "PEKANU_SESSION_TTL", default: "3600", doc: "seconds a sign-in session lasts" },
  { key: "nonceTtlSeconds", flag: "--nonce-ttl", env: "PEKANU_NONCE_TTL", default: "600", doc: "seconds a sign-in nonce can be used" },
  { key: "bodyLimit", flag: "--body-limit", env: "PEKANU_BODY_LIMIT", default: "65536", doc: "largest JSON body in bytes" },
  { key: "proofBodyLimit", flag: "--proof-body-limit", env: "PEKANU_PROOF_BODY_LIMIT", default: "1048576", doc: "largest ownership-proof body in bytes" },
  { key: "authBurst", flag: "--auth-burst", env: "PEKANU_AUTH_BURST", default: "20", doc: "sign-in requests (nonce + session) one client IP may send at once" },
  { key: "authPerMinute", flag: "--auth-per-minute", env: "PEKANU_AUTH_PER_MINUTE", default: "30", doc: "sign-in requests per minute one client IP may send on average (then 429)" },
  { key: "quoteBurst", flag: "--quote-burst", env: "PEKANU_QUOTE_BURST", default: "30", doc: "quotes one session may ask for at once" },
  { key: "quotesPerMinute", flag: "--quotes-per-minute", env: "PEKANU_QUOTES_PER_MINUTE", default: "60", doc: "quotes per minute one session may ask for on average (then 429)" },
  { key: "registrationMinBalance", flag: "--registration-min-balance-wei", env: "PEKANU_REGISTRATION_MIN_BALANCE_WEI", default: "auto", doc: "open registration needs this balance (auto: the lowest price plus the gas of one payment)" },
  { key: "headersTimeoutMs", flag: "--headers-timeout-ms", env: "PEKANU_HEADERS_TIMEOUT_MS", default: "10000", doc: "time to send a request's headers" },
  { key: "idleTimeoutMs", flag: "--idle-timeout-ms", env: "PEKANU_IDLE_TIMEOUT_MS", default: "30000", doc: "a connection silent this long is closed (a stalled upload included)" },
  { key: "bodyTimeoutMs", flag: "--body-timeout-ms", env: "PEKANU_BODY_TIMEOUT_MS", default: "15000", doc: "time to send a whole JSON body" },
  { key: "minUploadBytesPerSecond", flag: "--min-upload-rate", env: "PEKANU_MIN_UPLOAD_RATE", default: "16384", doc: "bytes per second an upload must average over each idle-timeout window" },
  { key: "requestTimeoutMs", flag: "--request-timeout-ms", env: "PEKANU_REQUEST_TIMEOUT_MS", default: "3600000", doc: "longest time for one request, upload included" },
  { key: "maxConnections", flag: "--max-connections", env: "PEKANU_MAX_CONNECTIONS", default: "2048", doc: "open connections at most" },
  { key: "maxConnectionsPerIp", flag: "--max-connections-per-ip", env: "PEKANU_MAX_CONNECTIONS_PER_IP", default: "256", doc: "open connections per client address (IPv6: per /64; not applied behind a trusted proxy)" },
  { key: "trustProxy", flag: "--trust-proxy", env: "PEKANU_TRUST_PROXY", default: "", doc: "behind a reverse proxy: its comma-separated addresses/CIDRs (or loopback, or true for any peer); client IPs then come from X-Forwarded-For" },
  { key: "collectIntervalMs", flag: "--collect-interval-ms", env: "PEKANU_COLLECT_INTERVAL_MS", default: "60000", doc: "how often earned orders are settled / released on chain (0: never)" },
  { key: "blobStore", flag: "--blob-store", env: "PEKANU_BLOB_STORE", default: "disk", doc: "where file contents live: disk (<data dir>/blobs) | s3 (an S3-compatible bucket: AWS S3, Ceph RGW, MinIO, R2)" },
  { key: "s3Endpoint", flag: "--s3-endpoint", env: "PEKANU_S3_ENDPOINT", default: "", doc: "S3 endpoint URL of a non-AWS store (e.g. http://127.0.0.1:7480); unset: AWS" },
  { key: "s3Bucket", flag: "--s3-bucket", env: "PEKANU_S3_BUCKET", default: "", doc: "bucket (blob store s3); required then" },
  { key: "s3Region", flag: "--s3-region", env: "PEKANU_S3_REGION", default: "us-east-1", doc: "bucket region (R2: auto)" },
  { key: "s3Prefix", flag: "--s3-prefix", env: "PEKANU_S3_PREFIX", default: "", doc: "key prefix inside the bucket; blobs are <prefix>blobs/<root>" },
  { key: "s3PathStyle", flag: "--s3-path-style", env: "PEKANU_S3_PATH_STYLE", default: "auto", doc: "path-style URLs: true | false | auto (true when an endpoint is set)" },
  { key: "s3CreateBucket", flag: "--s3-create-bucket", env: "PEKANU_S3_CREATE_BUCKET", default: "false", doc: "create the bucket at startup when missing (local clusters)" },
  { key: "s3AccessKeyId", env: "PEKANU_S3_ACCESS_KEY_ID", fileEnv: "PEKANU_S3_ACCESS_KEY_ID_FILE", fileFlag: "--s3-access-key-id-file", default: "<AWS SDK default chain>", doc: "S3 access key id" },
  { key: "s3SecretAccessKey", env: "PEKANU_S3_SECRET_ACCESS_KEY", fileEnv: "PEKANU_S3_SECRET_ACCESS_KEY_FILE", fileFlag: "--s3-secret-access-key-file", default: "<AWS SDK default chain>", doc: "S3 secret access key (never logged)" },
  { key: "uploadLeaseMs", flag: "--upload-lease-ms", env: "PEKANU_UPLOAD_LEASE_MS", default: "15000", doc: "resumable uploads: one writer per order holds a lease this long (renewed while bytes flow); a crashed writer's order is free again after it" },
  { key: "uploadStallMs", flag: "--upload-stall-ms", env: "PEKANU_UPLOAD_STALL_MS", default: "30000", doc: "resumable uploads: a PATCH that sends no bytes for this long is ended; what arrived is kept" },
  { key: "maxFeePerGas", flag: "--max-fee-per-gas", env: "PEKANU_MAX_FEE_PER_GAS", default: "200000000000", doc: "ceiling of the fee per gas in wei (200 gwei) the server pays, reached as an answer's deadline nears" },
  { key: "computeContract", flag: "--compute-contract", env: "PEKANU_COMPUTE_CONTRACT", default: "", doc: "compute jobs: the ComputeContract to serve (owner and signer keys as for storage), or deploy (deploy one on first start and keep it); unset: no compute" },
  { key: "computeStake", flag: "--compute-stake", env: "PEKANU_COMPUTE_STAKE", default: "1", doc: "initial stake in ETH sent with a ComputeContract deployment" },
  { key: "computePricePerGigaMulAdd", flag: "--compute-price-wei", env: "PEKANU_COMPUTE_PRICE_WEI", default: "100000000000000", doc: "price of a job in wei per 10^9 multiply-adds (m·k·n)" },
  { key: "computeMinPrice", flag: "--compute-min-price-wei", env: "PEKANU_COMPUTE_MIN_PRICE_WEI", default: "10000000000000", doc: "lowest price of a job, in wei" },
  { key: "computeMaxMulAdds", flag: "--compute-max-mul-adds", env: "PEKANU_COMPUTE_MAX_MUL_ADDS", default: "17179869184", doc: "largest job in multiply-adds (m·k·n; default 2^34, n = 2048 twice over)" },
  { key: "computeConcurrency", flag: "--compute-concurrency", env: "PEKANU_COMPUTE_CONCURRENCY", default: "1", doc: "jobs computed at once (one worker thread each)" },
  { key: "computeDeliverSeconds", flag: "--compute-deliver-seconds", env: "PEKANU_COMPUTE_DELIVER_SECONDS", default: "3600", doc: "seconds from a job quote to its delivery deadline (deliverBy)" },
  { key: "testFlipResult", flag: "--test-flip-result", env: "PEKANU_TEST_FLIP_RESULT", default: "", doc: "TEST ONLY (refused unless chain id 31337): flip one entry of every compute result and publish it as if honest" },
  { key: "logLevel", flag: "--log-level", env: "PEKANU_LOG_LEVEL", default: "info", doc: "fatal | error | warn | info | debug | trace | silent" },
];

/** Options a caller (a test, the CLI) may give directly; anything missing takes its default. */
export type ProviderConfigInput = Partial<Omit<ProviderConfig, "pricing" | "registration" | "s3" | "siweExtensionIds" | "registrationMinBalance" | "compute">> & {
  compute?: Partial<ComputeConfig>;
  siweExtensionIds?: string[] | string;
  registrationMinBalance?: bigint | string;
  ownerKey: Hex;
  s3?: Partial<ProviderConfig["s3"]>;
  pricing?: Partial<Pricing>;
  registration?: Partial<ProviderConfig["registration"]>;
};

const LOCAL_CHAIN_IDS = new Set([31337, 1337]);

export function isLocalChain(chainId: number): boolean {
  return LOCAL_CHAIN_IDS.has(chainId);
}

/** Confirmations to wait for on `chainId` when none were configured. */
export function requiredConfirmations({ config, chainId }: { config: ProviderConfig; chainId: number }): number {
  return config.confirmations ?? (isLocalChain(chainId) ? 1 : 3);
}

function positiveInt(name: string, value: number, { min = 1, max = Number.MAX_SAFE_INTEGER } = {}): number {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}, got ${value}`);
  }
  return value;
}

function privateKey(name: string, value: string): Hex {
  const key = value.trim();
  const hex = (key.startsWith("0x") ? key : `0x${key}`) as Hex;
  if (!/^0x[0-9a-fA-F]{64}$/.test(hex)) throw new ConfigError(`${name} is not a 32-byte hex private key`);
  return hex;
}

/** Normalizes a trust-proxy setting ("", "true", "false", "loopback", "10.0.0.1,10.0.0.0/8"). */
function trustProxy(value: boolean | string): boolean | string {
  if (typeof value !== "string") return value;
  const text = value.trim();
  if (text === "" || text === "false") return false;
  if (text === "true") return true;
  if (!/^[0-9a-zA-Z:.,/\s]+$/.test(text) || /^\d+$/.test(text)) {
    throw new ConfigError(`trust proxy must be true or the proxies' addresses/CIDRs, got ${text}`);
  }
  return text;
}

function blobStore(value: string): "disk" | "s3" {
  if (value !== "disk" && value !== "s3") throw new ConfigError(`blob store must be disk or s3, got ${value}`);
  return value;
}

function s3Settings(store: string, input: Partial<ProviderConfig["s3"]>): ProviderConfig["s3"] {
  const endpoint = input.endpoint || undefined;
  if (endpoint !== undefined) {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      throw new ConfigError(`S3 endpoint ${endpoint} is not a URL`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new ConfigError("S3 endpoint must be http(s)");
  }
  const bucket = input.bucket ?? "";
  if (store === "s3" && !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw new ConfigError(`the S3 bucket must be a valid bucket name, got ${JSON.stringify(bucket)}`);
  if ((input.accessKeyId === undefined) !== (input.secretAccessKey === undefined)) {
    throw new ConfigError("give both the S3 access key id and the secret access key, or neither (AWS SDK default chain)");
  }
  const prefix = input.prefix ?? "";
  if (prefix !== "" && !/^[A-Za-z0-9._/-]+$/.test(prefix)) throw new ConfigError(`S3 prefix ${prefix} has characters other than letters, digits, . _ / -`);
  return {
    endpoint,
    bucket,
    region: input.region || "us-east-1",
    prefix,
    forcePathStyle: input.forcePathStyle ?? endpoint !== undefined,
    accessKeyId: input.accessKeyId,
    secretAccessKey: input.secretAccessKey,
    createBucket: input.createBucket ?? false,
  };
}

/** "any", "local", or a list of Chrome extension ids (32 letters a–p). */
function extensionIds(value: string[] | string): string[] | "any" | "local" {
  if (value === "any" || value === "local") return value;
  const ids = (typeof value === "string" ? value.split(",") : value).map((id) => id.trim()).filter(Boolean);
  for (const id of ids) {
    if (!/^[a-p]{32}$/.test(id)) throw new ConfigError(`${id} is not a Chrome extension id (32 letters a–p)`);
  }
  return ids;
}

function minBalance(value: bigint | string): bigint | "auto" {
  if (typeof value === "bigint") {
    if (value < 0n) throw new ConfigError("registration min balance must not be negative");
    return value;
  }
  if (value === "auto") return value;
  if (!/^\d+$/.test(value)) throw new ConfigError(`registration min balance must be wei or auto, got ${value}`);
  return BigInt(value);
}

/** Fills defaults and checks every value; throws ConfigError naming the bad option. */
export function resolveConfig(input: ProviderConfigInput): ProviderConfig {
  if (!input.ownerKey) throw new ConfigError("an owner key is required (PEKANU_OWNER_KEY or PEKANU_OWNER_KEY_FILE)");
  const ownerKey = privateKey("owner key", input.ownerKey);
  const signerKey = privateKey("signer key", input.signerKey ?? ownerKey);
  const host = input.host ?? "127.0.0.1";
  const port = positiveInt("port", input.port ?? 8787, { min: 0, max: 65_535 });
  const publicBaseUrl = (input.publicBaseUrl ?? `http://${host.includes(":") ? `[${host}]` : host}:${port}`).replace(/\/+$/, "");
  let baseUrl: URL;
  try {
    baseUrl = new URL(publicBaseUrl);
  } catch {
    throw new ConfigError(`public URL ${publicBaseUrl} is not a URL`);
  }
  if (baseUrl.protocol !== "http:" && baseUrl.protocol !== "https:") throw new ConfigError("public URL must be http(s)");
  const pricingIn = input.pricing ?? {};
  const pricing: Pricing = {
    weiPerMiBDay: pricingIn.weiPerMiBDay ?? 1_000_000_000_000n,
    minPrice: pricingIn.minPrice ?? 10_000_000_000_000n,
    fineMultiplier: pricingIn.fineMultiplier ?? 2,
    quoteTtlSeconds: positiveInt("quote TTL", pricingIn.quoteTtlSeconds ?? 900),
    minStorageDays: positiveInt("min storage days", pricingIn.minStorageDays ?? 1),
    maxStorageDays: positiveInt("max storage days", pricingIn.maxStorageDays ?? 3650, { max: 36_500 }),
    maxFileSize: positiveInt("max file size", pricingIn.maxFileSize ?? 1024 ** 3),
  };
  if (pricing.weiPerMiBDay < 0n || pricing.minPrice < 0n) throw new ConfigError("prices must not be negative");
  if (!(pricing.fineMultiplier >= 0) || !Number.isFinite(pricing.fineMultiplier)) throw new ConfigError("fine multiplier must be ≥ 0");
  if (pricing.minStorageDays > pricing.maxStorageDays) throw new ConfigError("min storage days exceed max storage days");
  const registrationIn = input.registration ?? {};
  const policy = registrationIn.policy ?? "open";
  if (!["open", "allowlist", "invite"].includes(policy)) throw new ConfigError(`unknown registration policy ${policy}`);
  const allowlist = (registrationIn.allowlist ?? []).map((a) => {
    if (!isAddress(a, { strict: false })) throw new ConfigError(`allowlist entry ${a} is not an address`);
    return getAddress(a);
  });
  if ((input.headersTimeoutMs ?? 10_000) > (input.requestTimeoutMs ?? 3_600_000)) throw new ConfigError("the headers timeout must not exceed the request timeout");
  const paramsProfile = input.paramsProfile ?? "auto";
  if (!["local", "public", "auto"].includes(paramsProfile)) throw new ConfigError(`unknown params profile ${paramsProfile}`);
  if (input.contractAddress !== undefined && !isAddress(input.contractAddress, { strict: false })) {
    throw new ConfigError(`contract ${input.contractAddress} is not an address`);
  }
  return {
    dataDir: resolve(input.dataDir ?? "./.data/provider"),
    host,
    port,
    publicBaseUrl,
    siweDomain: input.siweDomain ?? baseUrl.host,
    siweExtensionIds: extensionIds(input.siweExtensionIds ?? "local"),
    rpcUrl: input.rpcUrl ?? "http://127.0.0.1:8545",
    chainId: input.chainId === undefined ? undefined : positiveInt("chain id", input.chainId),
    ownerKey,
    signerKey,
    contractAddress: input.contractAddress === undefined ? undefined : getAddress(input.contractAddress),
    deployBlock: input.deployBlock === undefined ? undefined : positiveInt("deploy block", input.deployBlock, { min: 0 }),
    stakeWei: input.stakeWei ?? 10n ** 18n,
    paramsProfile,
    confirmations: input.confirmations === undefined ? undefined : positiveInt("confirmations", input.confirmations, { max: 1000 }),
    pollIntervalMs: positiveInt("poll interval", input.pollIntervalMs ?? 2000, { min: 10 }),
    maxBlockRange: positiveInt("max block range", input.maxBlockRange ?? 2000),
    pricing,
    registration: { policy, allowlist, inviteCodes: registrationIn.inviteCodes ?? [] },
    ownershipChallenges: positiveInt("ownership challenges", input.ownershipChallenges ?? 8, { max: 64 }),
    sessionTtlSeconds: positiveInt("session TTL", input.sessionTtlSeconds ?? 3600),
    nonceTtlSeconds: positiveInt("nonce TTL", input.nonceTtlSeconds ?? 600),
    bodyLimit: positiveInt("body limit", input.bodyLimit ?? 65_536, { min: 1024 }),
    proofBodyLimit: positiveInt("proof body limit", input.proofBodyLimit ?? 1_048_576, { min: 1024 }),
    authBurst: positiveInt("auth burst", input.authBurst ?? 20),
    authPerMinute: positiveInt("auth per minute", input.authPerMinute ?? 30),
    quoteBurst: positiveInt("quote burst", input.quoteBurst ?? 30),
    quotesPerMinute: positiveInt("quotes per minute", input.quotesPerMinute ?? 60),
    registrationMinBalance: minBalance(input.registrationMinBalance ?? "auto"),
    headersTimeoutMs: positiveInt("headers timeout", input.headersTimeoutMs ?? 10_000, { min: 100 }),
    idleTimeoutMs: positiveInt("idle timeout", input.idleTimeoutMs ?? 30_000, { min: 100 }),
    bodyTimeoutMs: positiveInt("body timeout", input.bodyTimeoutMs ?? 15_000, { min: 100 }),
    minUploadBytesPerSecond: positiveInt("min upload rate", input.minUploadBytesPerSecond ?? 16_384, { min: 0 }),
    requestTimeoutMs: positiveInt("request timeout", input.requestTimeoutMs ?? 3_600_000, { min: 1000 }),
    maxConnections: positiveInt("max connections", input.maxConnections ?? 2048),
    maxConnectionsPerIp: positiveInt("max connections per IP", input.maxConnectionsPerIp ?? 256),
    trustProxy: trustProxy(input.trustProxy ?? false),
    collectIntervalMs: input.collectIntervalMs === 0 ? 0 : positiveInt("collect interval", input.collectIntervalMs ?? 60_000, { min: 10 }),
    blobStore: blobStore(input.blobStore ?? "disk"),
    s3: s3Settings(input.blobStore ?? "disk", input.s3 ?? {}),
    uploadLeaseMs: positiveInt("upload lease", input.uploadLeaseMs ?? 15_000, { min: 100 }),
    uploadStallMs: positiveInt("upload stall timeout", input.uploadStallMs ?? 30_000, { min: 100 }),
    maxFeePerGas: input.maxFeePerGas ?? 200_000_000_000n,
    compute: computeSettings(input.compute ?? {}),
    logLevel: input.logLevel ?? "info",
  };
}

function computeSettings(input: Partial<ComputeConfig>): ComputeConfig {
  const contract = input.contract === undefined || (input.contract as string) === "" ? undefined : input.contract;
  if (contract !== undefined && contract !== "deploy" && !isAddress(contract, { strict: false })) {
    throw new ConfigError(`compute contract must be an address or deploy, got ${contract}`);
  }
  const settings: ComputeConfig = {
    contract: contract === undefined || contract === "deploy" ? contract : getAddress(contract),
    stakeWei: input.stakeWei ?? 10n ** 18n,
    pricePerGigaMulAdd: input.pricePerGigaMulAdd ?? 100_000_000_000_000n,
    minPrice: input.minPrice ?? 10_000_000_000_000n,
    maxMulAdds: positiveInt("compute max multiply-adds", input.maxMulAdds ?? 2 ** 34),
    concurrency: positiveInt("compute concurrency", input.concurrency ?? 1, { max: 64 }),
    deliverSeconds: positiveInt("compute deliver seconds", input.deliverSeconds ?? 3600, { min: 10 }),
    testFlipResult: input.testFlipResult ?? false,
  };
  if (settings.pricePerGigaMulAdd < 0n || settings.minPrice < 0n || settings.stakeWei < 0n) throw new ConfigError("compute prices and stake must not be negative");
  return settings;
}

/** Splits `--flag value` / `--flag=value` arguments; everything else is returned as positionals. */
export function parseFlags(argv: readonly string[]): { flags: Map<string, string | true>; positionals: string[] } {
  const flags = new Map<string, string | true>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith("--")) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    if (eq > 0) flags.set(arg.slice(0, eq), arg.slice(eq + 1));
    else if (i + 1 < argv.length && !argv[i + 1]!.startsWith("--")) flags.set(arg, argv[++i]!);
    else flags.set(arg, true);
  }
  return { flags, positionals };
}

const list = (value: string) =>
  value
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter(Boolean);

/** Reads the configuration from flags (already split by parseFlags) and the environment. */
export function loadConfig({
  env = process.env,
  flags = new Map(),
}: {
  env?: NodeJS.ProcessEnv;
  flags?: Map<string, string | true>;
} = {}): ProviderConfig {
  const known = new Set(configOptions.flatMap((o) => [o.flag, o.fileFlag]).filter(Boolean));
  for (const flag of flags.keys()) {
    if (!known.has(flag)) throw new ConfigError(`unknown option ${flag}`);
  }
  const raw = (key: string): string | undefined => {
    const spec = configOptions.find((o) => o.key === key)!;
    const flagValue = spec.flag === undefined ? undefined : flags.get(spec.flag);
    if (flagValue === true) throw new ConfigError(`${spec.flag} needs a value`);
    if (flagValue !== undefined) return flagValue;
    const fileFlag = spec.fileFlag === undefined ? undefined : flags.get(spec.fileFlag);
    if (fileFlag === true) throw new ConfigError(`${spec.fileFlag} needs a value`);
    const file = fileFlag ?? (spec.fileEnv === undefined ? undefined : env[spec.fileEnv]);
    if (file) {
      try {
        return readFileSync(file, "utf8").trim();
      } catch (error) {
        throw new ConfigError(`cannot read ${file}: ${(error as Error).message}`);
      }
    }
    const envValue = spec.env === undefined ? undefined : env[spec.env];
    return envValue === undefined || envValue === "" ? undefined : envValue;
  };
  const int = (key: string): number | undefined => {
    const value = raw(key);
    if (value === undefined) return undefined;
    if (!/^-?\d+$/.test(value)) throw new ConfigError(`${key} must be an integer, got ${value}`);
    return Number(value);
  };
  const wei = (key: string): bigint | undefined => {
    const value = raw(key);
    if (value === undefined) return undefined;
    if (!/^\d+$/.test(value)) throw new ConfigError(`${key} must be a whole number of wei, got ${value}`);
    return BigInt(value);
  };
  const bool = (key: string): boolean | undefined => {
    const value = raw(key);
    if (value === undefined || value === "auto") return undefined;
    if (value !== "true" && value !== "false") throw new ConfigError(`${key} must be true or false, got ${value}`);
    return value === "true";
  };
  // --test-flip-result is a switch: present (or "1"/"true") turns it on.
  const flip = flags.get("--test-flip-result");
  flags.delete("--test-flip-result");
  const flipEnv = env.PEKANU_TEST_FLIP_RESULT;
  const testFlipResult = flip === true || flip === "1" || flip === "true" || (flip === undefined && (flipEnv === "1" || flipEnv === "true"));
  const computeStake = raw("computeStake");
  if (computeStake !== undefined && !/^\d+(\.\d{1,18})?$/.test(computeStake)) throw new ConfigError(`compute stake must be an amount of ETH, got ${computeStake}`);
  const confirmations = raw("confirmations");
  const stake = raw("stake");
  let stakeWei: bigint | undefined;
  if (stake !== undefined) {
    if (!/^\d+(\.\d{1,18})?$/.test(stake)) throw new ConfigError(`stake must be an amount of ETH, got ${stake}`);
    stakeWei = parseEther(stake);
  }
  const fine = raw("fineMultiplier");
  const ownerKey = raw("ownerKey");
  if (ownerKey === undefined) throw new ConfigError("an owner key is required (PEKANU_OWNER_KEY or PEKANU_OWNER_KEY_FILE)");
  return resolveConfig({
    dataDir: raw("dataDir"),
    host: raw("host"),
    port: int("port"),
    publicBaseUrl: raw("publicBaseUrl"),
    siweDomain: raw("siweDomain"),
    siweExtensionIds: raw("siweExtensionIds"),
    rpcUrl: raw("rpcUrl"),
    chainId: int("chainId"),
    ownerKey: ownerKey as Hex,
    signerKey: raw("signerKey") as Hex | undefined,
    contractAddress: raw("contractAddress") as Address | undefined,
    deployBlock: int("deployBlock"),
    stakeWei,
    paramsProfile: raw("paramsProfile") as ParamsProfile | undefined,
    confirmations: confirmations === undefined || confirmations === "auto" ? undefined : int("confirmations"),
    pollIntervalMs: int("pollIntervalMs"),
    maxBlockRange: int("maxBlockRange"),
    pricing: {
      weiPerMiBDay: wei("weiPerMiBDay"),
      minPrice: wei("minPrice"),
      fineMultiplier: fine === undefined ? undefined : Number(fine),
      quoteTtlSeconds: int("quoteTtlSeconds"),
      minStorageDays: int("minStorageDays"),
      maxStorageDays: int("maxStorageDays"),
      maxFileSize: int("maxFileSize"),
    },
    registration: {
      policy: raw("registrationPolicy") as RegistrationPolicy | undefined,
      allowlist: list(raw("allowlist") ?? "") as Address[],
      inviteCodes: list(raw("inviteCodes") ?? ""),
    },
    ownershipChallenges: int("ownershipChallenges"),
    sessionTtlSeconds: int("sessionTtlSeconds"),
    nonceTtlSeconds: int("nonceTtlSeconds"),
    bodyLimit: int("bodyLimit"),
    proofBodyLimit: int("proofBodyLimit"),
    authBurst: int("authBurst"),
    authPerMinute: int("authPerMinute"),
    quoteBurst: int("quoteBurst"),
    quotesPerMinute: int("quotesPerMinute"),
    registrationMinBalance: raw("registrationMinBalance"),
    headersTimeoutMs: int("headersTimeoutMs"),
    idleTimeoutMs: int("idleTimeoutMs"),
    bodyTimeoutMs: int("bodyTimeoutMs"),
    minUploadBytesPerSecond: int("minUploadBytesPerSecond"),
    requestTimeoutMs: int("requestTimeoutMs"),
    maxConnections: int("maxConnections"),
    maxConnectionsPerIp: int("maxConnectionsPerIp"),
    trustProxy: raw("trustProxy"),
    collectIntervalMs: int("collectIntervalMs"),
    blobStore: raw("blobStore") as "disk" | "s3" | undefined,
    s3: {
      endpoint: raw("s3Endpoint"),
      bucket: raw("s3Bucket"),
      region: raw("s3Region"),
      prefix: raw("s3Prefix"),
      forcePathStyle: bool("s3PathStyle"),
      createBucket: bool("s3CreateBucket"),
      accessKeyId: raw("s3AccessKeyId"),
      secretAccessKey: raw("s3SecretAccessKey"),
    },
    uploadLeaseMs: int("uploadLeaseMs"),
    uploadStallMs: int("uploadStallMs"),
    maxFeePerGas: wei("maxFeePerGas"),
    compute: {
      contract: raw("computeContract") as Address | "deploy" | undefined,
      stakeWei: computeStake === undefined ? undefined : parseEther(computeStake),
      pricePerGigaMulAdd: wei("computePricePerGigaMulAdd"),
      minPrice: wei("computeMinPrice"),
      maxMulAdds: int("computeMaxMulAdds"),
      concurrency: int("computeConcurrency"),
      deliverSeconds: int("computeDeliverSeconds"),
      testFlipResult,
    },
    logLevel: raw("logLevel"),
  } as ProviderConfigInput);
}

/** The help text of the configuration options. */
export function configHelp(): string {
  const lines = configOptions.map((o) => {
    const names = [o.flag, o.fileFlag, o.env, o.fileEnv].filter(Boolean).join(", ");
    const fallback = o.default === "" ? "" : ` (default: ${o.default})`;
    return `  ${names}\n      ${o.doc}${fallback}`;
  });
  return lines.join("\n");
}

/** What may be shown of a configuration: addresses instead of keys, no invite codes. */
export function describeConfig(config: ProviderConfig) {
  const { ownerKey, signerKey, registration, s3, ...rest } = config;
  const { secretAccessKey, accessKeyId, ...bucket } = s3;
  return {
    ...rest,
    s3: { ...bucket, credentials: accessKeyId === undefined ? "default chain" : "given" },
    owner: privateKeyToAccount(ownerKey).address,
    signer: privateKeyToAccount(signerKey).address,
    registration: { policy: registration.policy, allowlist: registration.allowlist, inviteCodes: registration.inviteCodes.length },
  };
}
