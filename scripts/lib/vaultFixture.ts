// bench:extension's vault of many receipts: a vault export (format pekanu-vault v2) of `count`
// orders whose quotes and receipts σ are really signed (EIP-712, the protocol's digests) by a
// well-known test signer, `forged` of them with a σ over another link (the import must refuse
// exactly those). Signing 20,000 digests took 8 min on a loaded machine, so the export is signed
// once and kept in `cacheDir`; the cache key holds the first record's signatures as the protocol
// computes them now, so a change of the typed data (or of this fixture) makes a new one. The
// extension's import verifies every signature of the cached file as it would a user's.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { quoteDigest, receiptDigest, receiptFor, type Quote } from "@pekanu/protocol";
import type { Hex } from "viem";
import { privateKeyToAccount, sign as signHash } from "viem/accounts";

const CHAIN_ID = 31337;
const CONTRACT = "0x5FbDB2315678afecb367f032d93F642f64180aa3" as const;
// Hardhat's public development account #1 (a well-known test key, never used for value).
const SIGNER_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d" as const;
const CLIENT = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC" as const;

const sign = (digest: Hex): Promise<Hex> => signHash({ hash: digest, privateKey: SIGNER_KEY, to: "hex" });

async function makeExport(count: number, forged: number): Promise<string> {
  const domain = { chainId: CHAIN_ID, verifyingContract: CONTRACT };
  const signer = privateKeyToAccount(SIGNER_KEY).address;
  const records = [];
  for (let i = 0; i < count; i++) {
    const h = createHash("sha256").update(`bench-${i}`).digest("hex");
    const quote: Quote = {
      orderId: `0x${h}`,
      client: CLIENT,
      fileRoot: `0x${createHash("sha256").update(`root-${i}`).digest("hex")}`,
      size: BigInt(1000 + i * 37),
      price: 30_000_000_000_000n + BigInt(i),
      fine: 60_000_000_000_000n,
      storageUntil: 1_900_000_000n,
      expiresAt: 1_800_000_000n,
    };
    const link = `http://127.0.0.1:8787/v1/files/${quote.fileRoot}`;
    const sigma = await sign(receiptDigest({ domain, receipt: receiptFor({ quote, link: i < forged ? `${link}?forged` : link }) }));
    records.push({
      chainId: CHAIN_ID,
      contract: CONTRACT,
      orderId: quote.orderId,
      quote: Object.fromEntries(Object.entries(quote).map(([k, v]) => [k, typeof v === "bigint" ? v.toString() : v])),
      quoteSignature: await sign(quoteDigest({ domain, quote })),
      link,
      signature: sigma,
      signer,
      fileName: `archive-${String(i).padStart(5, "0")}.tar`,
      mimeType: "application/x-tar",
      providerUrl: "http://127.0.0.1:8787",
      deduplicated: false,
      payTxHash: `0x${createHash("sha256").update(`tx-${i}`).digest("hex")}`,
      payBlock: 100 + i,
      paymentStatus: "mined",
      createdAt: 1_760_000_000_000 + i * 60_000,
      updatedAt: 1_760_000_000_000 + i * 60_000,
      actions: [],
      audits: [],
    });
  }
  return JSON.stringify({ format: "pekanu-vault", version: 2, exportedAt: Date.now(), records });
}

/** The vault export of `count` signed receipts (`forged` of them forged), from `cacheDir` when it was signed before. */
export async function vaultFixture({ count, forged, cacheDir, log = () => undefined }: { count: number; forged: number; cacheDir: string; log?: (line: string) => void }): Promise<string> {
  const probe = JSON.parse(await makeExport(1, 0)) as { records: { quoteSignature: string; signature: string }[] };
  const key = createHash("sha256")
    .update(JSON.stringify({ count, forged, quote: probe.records[0]!.quoteSignature, receipt: probe.records[0]!.signature, fixture: makeExport.toString() }))
    .digest("hex")
    .slice(0, 16);
  const file = join(cacheDir, `vault-${count}-${forged}-${key}.json`);
  if (existsSync(file)) {
    log(`  ${count.toLocaleString("en")} signed receipts from the cache (${file})`);
    return readFileSync(file, "utf8");
  }
  log(`signing ${count.toLocaleString("en")} receipts (${forged} forged) for the import, once (then cached in ${cacheDir})…`);
  const started = performance.now();
  const json = await makeExport(count, forged);
  log(`  signed in ${((performance.now() - started) / 1000).toFixed(1)} s (${(json.length / 1048576).toFixed(1)} MiB)`);
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(`${file}.tmp`, json);
  renameSync(`${file}.tmp`, file);
  return json;
}
