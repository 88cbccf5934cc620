import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { configHelp, describeConfig, loadConfig, parseFlags, requiredConfirmations, resolveConfig } from "../../src/config.ts";
import { testAccount, testKey } from "../support/accounts.ts";

const ownerKey = testKey(0);

describe("configuration", () => {
  it("has documented defaults", () => {
    const config = loadConfig({ env: { PEKANU_OWNER_KEY: ownerKey } });
    expect(config.host).toBe("127.0.0.1");
    expect(config.port).toBe(8787);
    expect(config.dataDir).toBe(join(process.cwd(), ".data/provider"));
    expect(config.rpcUrl).toBe("http://127.0.0.1:8545");
    expect(config.publicBaseUrl).toBe("http://127.0.0.1:8787");
    expect(config.siweDomain).toBe("127.0.0.1:8787");
    expect(config.signerKey).toBe(ownerKey); // the signer defaults to the owner
    expect(config.registration.policy).toBe("open");
    expect(config.ownershipChallenges).toBe(8);
    expect(config.stakeWei).toBe(10n ** 18n);
    expect(config.sessionTtlSeconds).toBe(3600);
    expect(requiredConfirmations({ config, chainId: 31337 })).toBe(1);
    expect(requiredConfirmations({ config, chainId: 11155111 })).toBe(3);
  });

  it("reads flags over the environment, keys from files, lists and amounts", async () => {
    const dir = await mkdtemp(join(tmpdir(), "pekanu-config-"));
    await writeFile(join(dir, "signer"), `${testKey(5).slice(2)}\n`);
    await writeFile(join(dir, "invites"), "one\ntwo, three\n");
    const { flags } = parseFlags(["--port", "9000", "--public-url=https://store.example/", "--confirmations", "4", "--signer-key-file", join(dir, "signer")]);
    const config = loadConfig({
      flags,
      env: {
        PEKANU_OWNER_KEY: ownerKey,
        PEKANU_PORT: "1234",
        PEKANU_STAKE: "2.5",
        PEKANU_REGISTRATION: "invite",
        PEKANU_INVITE_CODES_FILE: join(dir, "invites"),
        PEKANU_ALLOWLIST: `${testAccount(1).address.toLowerCase()},${testAccount(2).address}`,
        PEKANU_FINE_MULTIPLIER: "1.5",
        PEKANU_PRICE_WEI_PER_MIB_DAY: "7",
      },
    });
    expect(config.port).toBe(9000);
    expect(config.publicBaseUrl).toBe("https://store.example");
    expect(config.siweDomain).toBe("store.example");
    expect(config.confirmations).toBe(4);
    expect(config.signerKey).toBe(testKey(5));
    expect(config.stakeWei).toBe(2_500_000_000_000_000_000n);
    expect(config.registration.inviteCodes).toEqual(["one", "two", "three"]);
    expect(config.registration.allowlist).toEqual([testAccount(1).address, testAccount(2).address]);
    expect(config.pricing.fineMultiplier).toBe(1.5);
    expect(config.pricing.weiPerMiBDay).toBe(7n);
  });

  it.each([
    [{}, /owner key is required/],
    [{ PEKANU_OWNER_KEY: "0x1234" }, /not a 32-byte hex private key/],
    [{ PEKANU_OWNER_KEY: ownerKey, PEKANU_PORT: "http" }, /must be an integer/],
    [{ PEKANU_OWNER_KEY: ownerKey, PEKANU_PORT: "70000" }, /port must be/],
    [{ PEKANU_OWNER_KEY: ownerKey, PEKANU_REGISTRATION: "everyone" }, /unknown registration policy/],
    [{ PEKANU_OWNER_KEY: ownerKey, PEKANU_STAKE: "-1" }, /stake must be/],
    [{ PEKANU_OWNER_KEY: ownerKey, PEKANU_ALLOWLIST: "bob" }, /not an address/],
    [{ PEKANU_OWNER_KEY: ownerKey, PEKANU_MIN_STORAGE_DAYS: "10", PEKANU_MAX_STORAGE_DAYS: "5" }, /min storage days/],
    [{ PEKANU_OWNER_KEY_FILE: "/nonexistent/key" }, /cannot read/],
  ])("refuses bad settings %#", (env, message) => {
    expect(() => loadConfig({ env })).toThrow(message);
  });

  it("reads the sign-in limits, proxy trust and earnings interval", () => {
    const defaults = loadConfig({ env: { PEKANU_OWNER_KEY: ownerKey } });
    expect(defaults).toMatchObject({ authBurst: 20, authPerMinute: 30, quoteBurst: 30, quotesPerMinute: 60, trustProxy: false, collectIntervalMs: 60_000 });
    expect(defaults).toMatchObject({ headersTimeoutMs: 10_000, idleTimeoutMs: 30_000, bodyTimeoutMs: 15_000, minUploadBytesPerSecond: 16_384, requestTimeoutMs: 3_600_000 });
    expect(defaults).toMatchObject({ maxConnections: 2048, maxConnectionsPerIp: 256, registrationMinBalance: "auto", siweExtensionIds: "local" });
    const set = loadConfig({
      env: { PEKANU_OWNER_KEY: ownerKey, PEKANU_AUTH_BURST: "5", PEKANU_TRUST_PROXY: "10.0.0.1, 10.1.0.0/16", PEKANU_COLLECT_INTERVAL_MS: "0" },
      flags: parseFlags(["--auth-per-minute", "12", "--quotes-per-minute=6", "--idle-timeout-ms", "500", "--registration-min-balance-wei", "7", "--siwe-extension-ids", "abcdefghijklmnopabcdefghijklmnop"]).flags,
    });
    expect(set).toMatchObject({ authBurst: 5, authPerMinute: 12, quotesPerMinute: 6, idleTimeoutMs: 500, registrationMinBalance: 7n, trustProxy: "10.0.0.1, 10.1.0.0/16", collectIntervalMs: 0 });
    expect(set.siweExtensionIds).toEqual(["abcdefghijklmnopabcdefghijklmnop"]);
    expect(() => loadConfig({ env: { PEKANU_OWNER_KEY: ownerKey, PEKANU_SIWE_EXTENSION_IDS: "not-an-id" } })).toThrow(/extension id/);
    expect(loadConfig({ env: { PEKANU_OWNER_KEY: ownerKey, PEKANU_SIWE_EXTENSION_IDS: "any" } }).siweExtensionIds).toBe("any");
    expect(loadConfig({ env: { PEKANU_OWNER_KEY: ownerKey, PEKANU_TRUST_PROXY: "true" } }).trustProxy).toBe(true);
    expect(loadConfig({ env: { PEKANU_OWNER_KEY: ownerKey, PEKANU_TRUST_PROXY: "loopback" } }).trustProxy).toBe("loopback");
    expect(() => loadConfig({ env: { PEKANU_OWNER_KEY: ownerKey, PEKANU_TRUST_PROXY: "2" } })).toThrow(/trust proxy/);
    expect(() => loadConfig({ env: { PEKANU_OWNER_KEY: ownerKey, PEKANU_TRUST_PROXY: "evil; rm" } })).toThrow(/trust proxy/);
    expect(() => loadConfig({ env: { PEKANU_OWNER_KEY: ownerKey, PEKANU_AUTH_BURST: "0" } })).toThrow(/auth burst/);
    expect(() => loadConfig({ env: { PEKANU_OWNER_KEY: ownerKey, PEKANU_COLLECT_INTERVAL_MS: "5" } })).toThrow(/collect interval/);
  });

  it("reads the blob store: disk by default; s3 needs a bucket, both keys or none, and never shows the secret", async () => {
    const env = { PEKANU_OWNER_KEY: testKey(0) };
    expect(loadConfig({ env }).blobStore).toBe("disk");
    const dir = await mkdtemp(join(tmpdir(), "pekanu-s3-config-"));
    await writeFile(join(dir, "secret"), "s3-secret-value\n");
    const config = loadConfig({
      env: { ...env, PEKANU_BLOB_STORE: "s3", PEKANU_S3_BUCKET: "pekanu-blobs", PEKANU_S3_ENDPOINT: "http://127.0.0.1:7480", PEKANU_S3_ACCESS_KEY_ID: "key-id", PEKANU_S3_SECRET_ACCESS_KEY_FILE: join(dir, "secret") },
      flags: parseFlags(["--s3-prefix", "tenant-a/", "--upload-lease-ms", "5000"]).flags,
    });
    expect(config.blobStore).toBe("s3");
    expect(config.s3).toMatchObject({ bucket: "pekanu-blobs", endpoint: "http://127.0.0.1:7480", forcePathStyle: true, prefix: "tenant-a/", accessKeyId: "key-id", secretAccessKey: "s3-secret-value", region: "us-east-1", createBucket: false });
    expect(config.uploadLeaseMs).toBe(5000);
    const shown = JSON.stringify(describeConfig(config), (_key, value) => (typeof value === "bigint" ? value.toString() : value));
    expect(shown).not.toContain("s3-secret-value");
    expect(shown).not.toContain("key-id");
    expect(() => loadConfig({ env: { ...env, PEKANU_BLOB_STORE: "s3" } })).toThrow(/bucket/);
    expect(() => loadConfig({ env: { ...env, PEKANU_BLOB_STORE: "s3", PEKANU_S3_BUCKET: "b-1", PEKANU_S3_ACCESS_KEY_ID: "only-id" } })).toThrow(/both/);
    expect(() => loadConfig({ env: { ...env, PEKANU_BLOB_STORE: "nfs" } })).toThrow(/disk or s3/);
    expect(() => loadConfig({ env: { ...env, PEKANU_BLOB_STORE: "s3", PEKANU_S3_BUCKET: "b-1", PEKANU_S3_ENDPOINT: "ftp://x" } })).toThrow(/http/);
    expect(() => loadConfig({ env: { ...env, PEKANU_S3_PATH_STYLE: "maybe" } })).toThrow(/true or false/);
    expect(loadConfig({ env: { ...env, PEKANU_BLOB_STORE: "s3", PEKANU_S3_BUCKET: "b-1" } }).s3.forcePathStyle).toBe(false); // AWS: virtual-hosted
  });

  it("refuses unknown flags and keys on the command line", () => {
    expect(() => loadConfig({ env: { PEKANU_OWNER_KEY: ownerKey }, flags: parseFlags(["--frobnicate", "1"]).flags })).toThrow(/unknown option --frobnicate/);
    expect(() => loadConfig({ env: {}, flags: parseFlags(["--owner-key", ownerKey]).flags })).toThrow(/unknown option --owner-key/);
  });

  it("never shows keys or invite codes when described", () => {
    const config = resolveConfig({ ownerKey, signerKey: testKey(5), registration: { policy: "invite", inviteCodes: ["secret-code"] } });
    const text = JSON.stringify(describeConfig(config), (_k, v) => (typeof v === "bigint" ? v.toString() : v));
    expect(text).not.toContain(ownerKey.slice(2));
    expect(text).not.toContain(testKey(5).slice(2));
    expect(text).not.toContain("secret-code");
    expect(text).toContain(testAccount(5).address);
  });

  it("takes the state database as a postgres:// URL (flag, environment or file), never shows its password, and defaults to SQLite", async () => {
    expect(resolveConfig({ ownerKey }).database).toBeUndefined();
    expect(describeConfig(resolveConfig({ ownerKey })).database).toBe("sqlite (data dir)");
    const url = "postgres://pekanu:s3cret-pw@db.example:5432/pekanu";
    const file = join(await mkdtemp(join(tmpdir(), "pekanu-cfg-")), "database-url");
    await writeFile(file, `${url}\n`);
    for (const config of [
      loadConfig({ env: { PEKANU_OWNER_KEY: ownerKey, PEKANU_DATABASE_URL: url }, flags: new Map() }),
      loadConfig({ env: { PEKANU_OWNER_KEY: ownerKey, PEKANU_DATABASE_URL_FILE: file }, flags: new Map() }),
      loadConfig({ env: { PEKANU_OWNER_KEY: ownerKey }, flags: parseFlags(["--database", url]).flags }),
    ]) {
      expect(config.database).toBe(url);
      const text = JSON.stringify(describeConfig(config), (_k, v) => (typeof v === "bigint" ? v.toString() : v));
      expect(text).not.toContain("s3cret-pw");
      expect(text).toContain("db.example:5432/pekanu");
    }
    expect(() => resolveConfig({ ownerKey, database: "mysql://x@y/z" })).toThrow(/postgres:\/\/ URL/);
    expect(() => resolveConfig({ ownerKey, database: "not a url" })).toThrow(/postgres:\/\/ URL/);
  });

  it("documents every option in the help text", () => {
    const help = configHelp();
    for (const name of ["--data-dir", "PEKANU_OWNER_KEY_FILE", "--stake", "--registration", "--confirmations", "(default: 8787)"]) expect(help).toContain(name);
  });
});
