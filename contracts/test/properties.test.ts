// Model-based property tests of ServerContract on Hardhat's EDR chain.
//
// fast-check generates random sequences of actions by the provider (owner), clients (alice, bob,
// and the stranger once registered) and the stranger: paying fresh / replayed / stale / badly
// signed quotes, settling, disputing, publishing receipts, refunding, challenging storage,
// answering challenges with valid and invalid Merkle proofs, claiming penalties, releasing,
// withdrawing, moving stake, (de)registering clients, rotating the signer, time jumps — and every
// action sometimes by the wrong actor or with tampered terms. A plain TypeScript model written from
// PROTOCOL.md predicts whether each transaction succeeds; the test asserts the chain agrees and,
// after every step, checks:
//   1. contract balance == escrowed prices + stake total + open bonds + all withdrawable credits,
//      and == Σ paid in − Σ withdrawn (measured from the contract's balance, not its bookkeeping);
//   2. nobody's cumulative withdrawals exceed what they paid in plus what they legitimately won,
//      and withdrawn + withdrawable == everything the model ever credited them;
//   3. every order's (state, settled, paidAt) and open deadline equal the model's, every observed
//      state change is an edge of the PROTOCOL lifecycle, and stake() total/locked equal the model.
// A failing run is shrunk by fast-check; the error message lists the executed actions with their
// outcomes.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import fc from "fast-check";
import { type Address, type Hex, bytesToHex, formatEther, getAddress, keccak256, parseEther, toHex, zeroAddress } from "viem";
import { type Quote, OrderState, orderStateName } from "@pekanu/protocol";
import { chunkCount, fileRootOf, inclusionProof, splitChunks } from "@pekanu/protocol/merkle";
import { deployFixture, type Fixture } from "./fixture.ts";

// ───────────────────────────── configuration ─────────────────────────────

const NUM_RUNS = Number(process.env.PEKANU_PROP_RUNS ?? 200);
const SEED = process.env.PEKANU_PROP_SEED === undefined ? undefined : Number(process.env.PEKANU_PROP_SEED);
/** Explicit gas so that a reverting transaction is mined (and reverts) instead of failing estimation. */
const GAS = 1_000_000n;

/**
 * PROTOCOL.md: "every penalty path requires the provider to have failed to answer on chain within a
 * deadline". The contract accepts publishReceipt / respondStorage after the deadline as long as the
 * client has not claimed yet. The model follows the contract here; PEKANU_PROP_STRICT_DEADLINES=1
 * makes the model reject answers after the deadline (the suite then fails on late answers).
 */
const LATE_ANSWERS_ACCEPTED = process.env.PEKANU_PROP_STRICT_DEADLINES !== "1";

/**
 * The contract's release() moves an unsettled price to the provider as soon as storageUntil has
 * passed, even before paidAt + settleDelay: with a short storage period the client's window to
 * dispute delivery shrinks to storageUntil − paidAt (down to one second). The model follows the
 * contract; PEKANU_PROP_RELEASE_WAITS_FOR_SETTLE_DELAY=1 makes it require settleDelay for an
 * unsettled release (the suite then fails until the contract does the same).
 */
const RELEASE_WAITS_FOR_SETTLE_DELAY = process.env.PEKANU_PROP_RELEASE_WAITS_FOR_SETTLE_DELAY === "1";

// ───────────────────────────── file commitment ─────────────────────────────
// The shared RFC 6962 / RFC 9162 module (1024-byte chunks, an empty file is one empty chunk).

type FileTree = { bytes: Uint8Array; chunks: Uint8Array[]; root: Hex; proof(index: number): Hex[] };

function buildTree(bytes: Uint8Array): FileTree {
  const chunks = splitChunks(bytes);
  const proofs = new Map<number, Hex[]>();
  return {
    bytes,
    chunks,
    root: fileRootOf(bytes),
    proof(index) {
      let p = proofs.get(index);
      if (p === undefined) {
        p = inclusionProof({ chunks, index });
        proofs.set(index, p);
      }
      return p;
    },
  };
}

/** Deterministic pseudo-random file bytes (xorshift32), so a shrunk counterexample replays exactly. */
function fileBytes(seed: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = (seed | 0) || 0x9e3779b9;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

const treeCache = new Map<string, FileTree>();
function fileTree(seed: number, size: number): FileTree {
  const key = `${seed}:${size}`;
  let t = treeCache.get(key);
  if (t === undefined) {
    t = buildTree(fileBytes(seed, size));
    treeCache.set(key, t);
  }
  return t;
}

// ───────────────────────────── actions ─────────────────────────────

const ACTORS = ["owner", "alice", "bob", "stranger"] as const;
type Actor = (typeof ACTORS)[number];
/** "right" resolves to the actor the protocol expects (the order's client, the owner). */
type Who = Actor | "right";
type Target = Actor | "zero";
type SignerName = "signer" | "newSigner";
/** Who signs σ: the current signer, a named signer key, the stranger, or σ over another link. */
type ReceiptSig = "current" | SignerName | "stranger" | "wrongLink";
type PayFault =
  | "none"
  | "wrongSender" // sent by another account than quote.client
  | "expired" // expiresAt = now (the transaction is mined at now + 1)
  | "storageOver" // storageUntil = now + 1 (must be > block.timestamp)
  | "valuePlus"
  | "valueMinus"
  | "otherSigner" // signed by the signer key that is not current
  | "strangerSig"
  | "tampered" // a valid signature, but the price was changed afterwards
  | "fineOverFree"; // fine = free stake + 1
type ProofKind = "valid" | "flipByte" | "otherChunk" | "wrongSize" | "shortProof" | "longProof";

type Action =
  | {
      kind: "pay";
      client: Actor;
      source: "fresh" | "replay" | "pooled";
      pick: number;
      expiresIn: bigint;
      storageFor: bigint;
      price: bigint;
      fine: bigint;
      size: number;
      fileSeed: number;
      /** At most one deliberate fault per payment, so that most payments are valid. */
      fault: PayFault;
    }
  | { kind: "settle"; pick: number; actor: Actor; tamper: boolean }
  | { kind: "dispute"; pick: number; actor: Who; tamper: boolean }
  | { kind: "publish"; pick: number; actor: Actor; sig: ReceiptSig; tamper: boolean }
  | { kind: "refund"; pick: number; actor: Who; tamper: boolean }
  | { kind: "challenge"; pick: number; actor: Who; sig: ReceiptSig; bond: "exact" | "zero" | "plus"; tamper: boolean }
  | { kind: "respond"; pick: number; actor: Actor; proof: ProofKind }
  | { kind: "claim"; pick: number; actor: Who; tamper: boolean }
  | { kind: "release"; pick: number; actor: Actor; tamper: boolean }
  | { kind: "withdraw"; actor: Who; pick: number }
  | { kind: "depositStake"; actor: Who; amount: bigint }
  | { kind: "withdrawStake"; actor: Who; amount: "zero" | "one" | "half" | "free" | "freePlus1" }
  | { kind: "register"; actor: Who; target: Target }
  | { kind: "registerMany"; actor: Who; targets: Target[] }
  | { kind: "deregister"; actor: Who; target: Target }
  | { kind: "rotateSigner"; actor: Who; to: "other" | "same" | "zero" }
  | { kind: "time"; seconds: bigint }
  /**
   * Model-guided: the honest next step of some open order (settle, dispute, publish σ, refund,
   * challenge, respond with a valid proof, claim, release), chosen by `pick` among the steps whose
   * state precondition holds. Deadlines are not considered, so it may still revert. Drives
   * sequences deep into the lifecycle, which purely random actions rarely reach.
   */
  | { kind: "next"; pick: number };

function eth(v: bigint): string {
  return v === 0n ? "0" : v < 1_000_000n ? `${v}wei` : `${formatEther(v)}Ξ`;
}

function describeAction(a: Action): string {
  const t = "tamper" in a && a.tamper ? ",tampered" : "";
  switch (a.kind) {
    case "pay":
      return (
        `pay(client=${a.client},${a.source}#${a.pick},exp+${a.expiresIn},store+${a.storageFor},` +
        `price=${eth(a.price)},fine=${eth(a.fine)},size=${a.size},seed=${a.fileSeed},fault=${a.fault})`
      );
    case "settle":
    case "dispute":
    case "refund":
    case "claim":
    case "release":
      return `${a.kind}(#${a.pick},by=${a.actor}${t})`;
    case "publish":
      return `publish(#${a.pick},by=${a.actor},σ=${a.sig}${t})`;
    case "challenge":
      return `challenge(#${a.pick},by=${a.actor},σ=${a.sig},bond=${a.bond}${t})`;
    case "respond":
      return `respond(#${a.pick},by=${a.actor},proof=${a.proof})`;
    case "withdraw":
      return `withdraw(by=${a.actor}#${a.pick})`;
    case "depositStake":
      return `depositStake(by=${a.actor},${eth(a.amount)})`;
    case "withdrawStake":
      return `withdrawStake(by=${a.actor},${a.amount})`;
    case "register":
    case "deregister":
      return `${a.kind}(by=${a.actor},${a.target})`;
    case "registerMany":
      return `registerMany(by=${a.actor},[${a.targets.join(",")}])`;
    case "rotateSigner":
      return `rotateSigner(by=${a.actor},to=${a.to})`;
    case "time":
      return `time+${a.seconds}s`;
    case "next":
      return `next#${a.pick}`;
  }
}

/** Printable in fast-check's counterexample report. */
function printable<A extends Action>(a: A): A {
  return Object.defineProperty(a, fc.toStringMethod, { value: () => describeAction(a), enumerable: false });
}

// Parameters of the deployed contract (fixture.ts testParams): settleDelay 100, responseWindow 50,
// challengeCooldown 20, challengeBond 0.01 ETH. Read back from the contract in `before`.
let SETTLE_DELAY = 100n;
let RESPONSE_WINDOW = 50n;
let COOLDOWN = 20n;
let BOND = parseEther("0.01");

function actionArb(): fc.Arbitrary<Action> {
  const actor = fc.constantFrom<Actor>(...ACTORS);
  const who: fc.Arbitrary<Who> = fc.oneof(
    { weight: 8, arbitrary: fc.constant<Who>("right") },
    { weight: 2, arbitrary: actor },
  );
  const target = fc.constantFrom<Target>("alice", "bob", "stranger", "owner", "zero");
  const pick = fc.nat({ max: 1 << 16 });
  const tamper = fc.oneof({ weight: 12, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) });
  const receiptSig = fc.oneof(
    { weight: 12, arbitrary: fc.constant<ReceiptSig>("current") },
    { weight: 1, arbitrary: fc.constantFrom<ReceiptSig>("signer", "newSigner", "stranger", "wrongLink") },
  );
  const timeSeconds = fc.oneof(
    { weight: 2, arbitrary: fc.bigInt({ min: 1n, max: 30n }) },
    // Exactly at and around the windows: settleDelay, responseWindow, challengeCooldown.
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        SETTLE_DELAY - 1n, SETTLE_DELAY, SETTLE_DELAY + 1n,
        RESPONSE_WINDOW - 1n, RESPONSE_WINDOW, RESPONSE_WINDOW + 1n,
        COOLDOWN - 1n, COOLDOWN,
      ),
    },
    { weight: 2, arbitrary: fc.bigInt({ min: 100n, max: 600n }) },
    // Past most storage periods (quotes store for 2..2000 s).
    { weight: 1, arbitrary: fc.bigInt({ min: 600n, max: 6000n }) },
  );
  const fault: fc.Arbitrary<PayFault> = fc.oneof(
    { weight: 20, arbitrary: fc.constant<PayFault>("none") },
    {
      weight: 6,
      arbitrary: fc.constantFrom<PayFault>(
        "wrongSender", "expired", "storageOver", "valuePlus", "valueMinus",
        "otherSigner", "strangerSig", "tampered", "fineOverFree",
      ),
    },
  );
  const pay = fc.record({
    kind: fc.constant("pay" as const),
    client: fc.constantFrom<Actor>("alice", "alice", "alice", "alice", "bob", "bob", "bob", "bob", "stranger", "owner"),
    source: fc.constantFrom("fresh", "fresh", "fresh", "fresh", "fresh", "fresh", "fresh", "fresh", "replay", "pooled") as fc.Arbitrary<
      "fresh" | "replay" | "pooled"
    >,
    pick,
    // 1 = the last second the quote is valid for (the transaction is mined at now + 1).
    expiresIn: fc.constantFrom(600n, 600n, 30n, 1n),
    // 2 = the shortest storage period pay accepts (storageUntil > block.timestamp).
    storageFor: fc.constantFrom(2000n, 2000n, 400n, 150n, 60n, 2n),
    price: fc.constantFrom(parseEther("0.1"), parseEther("0.1"), parseEther("1"), 1n, 0n),
    fine: fc.constantFrom(parseEther("0.5"), parseEther("0.5"), parseEther("2"), parseEther("4"), 0n),
    size: fc.oneof(fc.constantFrom(0, 1, 1023, 1024, 1025, 4096, 8192), fc.integer({ min: 0, max: 8192 })),
    fileSeed: fc.integer({ min: 1, max: 0x7fffffff }),
    fault,
  });
  const onOrder = <K extends "settle" | "release">(kind: K) =>
    fc.record({ kind: fc.constant(kind), pick, actor, tamper });
  const onOrderWho = <K extends "dispute" | "refund" | "claim">(kind: K) =>
    fc.record({ kind: fc.constant(kind), pick, actor: who, tamper });

  const arb: fc.Arbitrary<Action> = fc.oneof(
    { weight: 20, arbitrary: fc.record({ kind: fc.constant("next" as const), pick }) },
    { weight: 8, arbitrary: pay },
    { weight: 3, arbitrary: onOrder("settle") },
    { weight: 4, arbitrary: onOrderWho("dispute") },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant("publish" as const), pick, actor, sig: receiptSig, tamper }) },
    { weight: 2, arbitrary: onOrderWho("refund") },
    {
      weight: 5,
      arbitrary: fc.record({
        kind: fc.constant("challenge" as const),
        pick,
        actor: who,
        sig: receiptSig,
        bond: fc.constantFrom("exact", "exact", "exact", "exact", "exact", "exact", "zero", "plus") as fc.Arbitrary<
          "exact" | "zero" | "plus"
        >,
        tamper,
      }),
    },
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant("respond" as const),
        pick,
        actor,
        proof: fc.constantFrom<ProofKind>(
          "valid", "valid", "valid", "valid", "valid", "valid", "valid", "valid", "valid", "valid",
          "flipByte", "otherChunk", "wrongSize", "shortProof", "longProof",
        ),
      }),
    },
    { weight: 3, arbitrary: onOrderWho("claim") },
    { weight: 2, arbitrary: onOrder("release") },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant("withdraw" as const), actor: who, pick }) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("depositStake" as const),
        actor: who,
        amount: fc.constantFrom(parseEther("1"), parseEther("5"), 1n, 0n),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant("withdrawStake" as const),
        actor: who,
        amount: fc.constantFrom("half", "free", "one", "zero", "freePlus1") as fc.Arbitrary<
          "zero" | "one" | "half" | "free" | "freePlus1"
        >,
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("register" as const), actor: who, target }) },
    {
      weight: 1,
      arbitrary: fc.record({ kind: fc.constant("registerMany" as const), actor: who, targets: fc.array(target, { maxLength: 3 }) }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("deregister" as const), actor: who, target }) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("rotateSigner" as const),
        actor: who,
        to: fc.constantFrom("other", "other", "other", "same", "zero") as fc.Arbitrary<"other" | "same" | "zero">,
      }),
    },
    { weight: 9, arbitrary: fc.record({ kind: fc.constant("time" as const), seconds: timeSeconds }) },
  );
  return arb.map((a) => printable(a));
}

// ───────────────────────────── model ─────────────────────────────

const S = OrderState;

/** PROTOCOL.md order lifecycle: the only state changes a single transaction may cause. */
const LIFECYCLE: Record<number, readonly number[]> = {
  [S.None]: [S.Paid],
  [S.Paid]: [S.Settled, S.DeliveryDisputed, S.Refunded, S.Challenged, S.Completed],
  [S.DeliveryDisputed]: [S.Paid, S.Refunded, S.Penalized],
  [S.Challenged]: [S.Paid, S.Settled, S.Penalized],
  [S.Settled]: [S.Challenged, S.Completed],
  [S.Refunded]: [],
  [S.Penalized]: [],
  [S.Completed]: [],
};

type OrderModel = {
  label: string; // "o3" in logs
  quote: Quote;
  quoteSig: Hex;
  /** Who produced quoteSig: a signer key name, or null when it can never verify (stranger, tampered). */
  quoteSigner: SignerName | null;
  client: Actor;
  tree: FileTree;
  state: number;
  settled: boolean;
  paidAt: bigint;
  deadline: bigint;
  lastChallengeAt: bigint;
  chunkIndex: number;
  /** Last state read from the chain, to check observed transitions against LIFECYCLE. */
  observed: number;
  receiptSigs: Map<string, Hex>;
};

type Model = {
  now: bigint;
  signer: SignerName;
  retiredAt: Record<SignerName, bigint>;
  registered: Record<Actor, boolean>;
  credit: Record<Actor, bigint>;
  earned: bigint; // provider earnings, withdrawable by the owner
  stakeTotal: bigint;
  stakeLocked: bigint;
  orders: OrderModel[];
  // Money accounting per account, for properties 1 and 2.
  paidIn: Record<Actor, bigint>; // prices, bonds, stake deposits sent with successful transactions
  withdrawn: Record<Actor, bigint>; // measured: the contract's balance drop on each withdraw
  credited: Record<Actor, bigint>; // cumulative amounts the model made withdrawable
  gains: Record<Actor, bigint>; // money won from others: fines (clients), prices and bonds (owner)
  contractBalance: bigint;
};

const perActor = (v: bigint): Record<Actor, bigint> => ({ owner: v, alice: v, bob: v, stranger: v });

// ───────────────────────────── the test ─────────────────────────────

let fx: Fixture;
let accounts: Record<Actor, Fixture["alice"]>;
let addressOf: Record<Actor | "zero" | SignerName, Address>;
let initialStake: bigint;
let orderCounter = 0;
/** Per action kind: [succeeded, reverted] over the whole run, printed at the end (coverage of the generator). */
const outcomes = new Map<string, [number, number]>();
const VERBOSE = process.env.PEKANU_PROP_VERBOSE === "1";

/** The state every sequence starts from: alice and bob registered (snapshot, restored by loadFixture). */
async function propertiesBaseline() {
  await fx.contract.write.registerClients([[fx.alice.account.address, fx.bob.account.address]], {
    account: fx.owner.account,
  });
  return {};
}

function initialModel(now: bigint, balance: bigint): Model {
  return {
    now,
    signer: "signer",
    retiredAt: { signer: 0n, newSigner: 0n },
    registered: { owner: false, alice: true, bob: true, stranger: false },
    credit: perActor(0n),
    earned: 0n,
    stakeTotal: initialStake,
    stakeLocked: 0n,
    orders: [],
    paidIn: { ...perActor(0n), owner: initialStake },
    withdrawn: perActor(0n),
    credited: perActor(0n),
    gains: perActor(0n),
    contractBalance: balance,
  };
}

function otherSigner(s: SignerName): SignerName {
  return s === "signer" ? "newSigner" : "signer";
}

function signerWallet(name: SignerName | "stranger") {
  return name === "signer" ? fx.signer : name === "newSigner" ? fx.newSigner : fx.stranger;
}

/** σ validity as the protocol defines it: the current signer, or a signer retired after the order was paid. */
function receiptValid(m: Model, o: OrderModel, sig: ReceiptSig): boolean {
  if (sig === "stranger" || sig === "wrongLink") return false;
  const name = sig === "current" ? m.signer : sig;
  if (name === m.signer) return true;
  const retired = m.retiredAt[name];
  return retired !== 0n && o.paidAt < retired;
}

async function receiptFor(m: Model, o: OrderModel, sig: ReceiptSig): Promise<{ link: string; signature: Hex }> {
  const link = `https://provider.example/v1/files/${o.quote.fileRoot}`;
  const signerName: SignerName | "stranger" = sig === "current" ? m.signer : sig === "wrongLink" ? m.signer : sig;
  const key = `${signerName}`;
  let signature = o.receiptSigs.get(key);
  if (signature === undefined) {
    signature = await fx.signReceipt(o.quote, link, signerWallet(signerName));
    o.receiptSigs.set(key, signature);
  }
  return { link: sig === "wrongLink" ? `${link}?forged` : link, signature };
}

/**
 * Picks an order, model-guided: usually one whose state the action applies to (deadlines and
 * actors may still be wrong), sometimes any order, including quotes that were never paid.
 */
function pickOrder(m: Model, pick: number, wanted: readonly number[]): OrderModel | undefined {
  const fitting = m.orders.filter((o) => wanted.includes(o.state));
  const pool = pick % 5 !== 0 && fitting.length > 0 ? fitting : m.orders;
  if (pool.length === 0) return undefined;
  return pool[Math.floor(pick / 5) % pool.length];
}

function resolve(who: Who, right: Actor): Actor {
  return who === "right" ? right : who;
}

function tampered(q: Quote): Quote {
  return { ...q, fine: q.fine + 1n };
}

/** One planned transaction: what the model expects and how to apply its effects. */
type Step = {
  text: string;
  expectOk: boolean;
  value: bigint;
  sender: Actor;
  send: () => Promise<unknown>;
  /** Applies the model's effects of a successful transaction mined at time t. */
  apply: (t: bigint) => void | Promise<void>;
};

function credit(m: Model, who: Actor, amount: bigint) {
  m.credit[who] += amount;
  m.credited[who] += amount;
}
function earn(m: Model, amount: bigint, gain: boolean) {
  m.earned += amount;
  m.credited.owner += amount;
  if (gain) m.gains.owner += amount;
}
function withdrawableOf(m: Model, a: Actor): bigint {
  return m.credit[a] + (a === "owner" ? m.earned : 0n);
}

/** The honest follow-up steps of every order, by state (PROTOCOL lifecycle). */
function nextSteps(m: Model): Action[] {
  const out: Action[] = [];
  m.orders.forEach((o, i) => {
    // pick encodes the order for pickOrder: pick % 5 != 0 and Math.floor(pick / 5) indexes the fitting orders.
    const among = (wanted: readonly number[]) => {
      const fitting = m.orders.filter((x) => wanted.includes(x.state));
      return fitting.indexOf(o) * 5 + 1;
    };
    const honest = { tamper: false } as const;
    const t = m.now + 1n;
    // Steps whose time condition already holds are offered three times (likelier to be chosen).
    const times = (ready: boolean) => (ready ? 3 : 1);
    const push = (n: number, a: Action) => {
      for (let k = 0; k < n; k++) out.push(a);
    };
    switch (o.state) {
      case S.Paid:
        push(times(t >= o.paidAt + SETTLE_DELAY), { kind: "settle", pick: among([S.Paid]), actor: "stranger", ...honest });
        push(1, { kind: "dispute", pick: among([S.Paid]), actor: "right", ...honest });
        push(1, { kind: "challenge", pick: among([S.Paid, S.Settled]), actor: "right", sig: "current", bond: "exact", ...honest });
        push(times(t >= o.quote.storageUntil), { kind: "release", pick: among([S.Paid, S.Settled]), actor: "bob", ...honest });
        break;
      case S.Settled:
        push(1, { kind: "challenge", pick: among([S.Paid, S.Settled]), actor: "right", sig: "current", bond: "exact", ...honest });
        push(times(t >= o.quote.storageUntil), { kind: "release", pick: among([S.Paid, S.Settled]), actor: "owner", ...honest });
        break;
      case S.DeliveryDisputed:
        push(1, { kind: "publish", pick: among([S.DeliveryDisputed]), actor: "owner", sig: "current", ...honest });
        push(1, { kind: "refund", pick: among([S.Paid, S.DeliveryDisputed]), actor: "right", ...honest });
        push(times(t > o.deadline), { kind: "claim", pick: among([S.DeliveryDisputed, S.Challenged]), actor: "right", ...honest });
        break;
      case S.Challenged:
        push(1, { kind: "respond", pick: among([S.Challenged]), actor: "owner", proof: "valid" });
        push(1, { kind: "respond", pick: among([S.Challenged]), actor: "alice", proof: "valid" });
        push(times(t > o.deadline), { kind: "claim", pick: among([S.DeliveryDisputed, S.Challenged]), actor: "right", ...honest });
        break;
    }
    void i;
  });
  if (ACTORS.some((x) => withdrawableOf(m, x) > 0n)) out.push({ kind: "withdraw", actor: "right", pick: m.orders.length });
  // Time jumps to the boundaries of the open windows: the next transaction lands exactly on the
  // first second an action is allowed, or one second before it.
  const boundaries: bigint[] = [];
  for (const o of m.orders) {
    if (o.state === S.Paid) boundaries.push(o.paidAt + SETTLE_DELAY);
    if (o.state === S.DeliveryDisputed || o.state === S.Challenged) boundaries.push(o.deadline + 1n);
    if (o.state === S.Paid || o.state === S.Settled) {
      boundaries.push(o.quote.storageUntil);
      if (o.lastChallengeAt !== 0n) boundaries.push(o.lastChallengeAt + COOLDOWN);
    }
  }
  for (const b of boundaries) {
    for (const seconds of [b - 1n - m.now, b - 2n - m.now]) if (seconds >= 1n) out.push({ kind: "time", seconds });
  }
  return out;
}

async function plan(m: Model, a: Action): Promise<Step | string> {
  const c = fx.contract;
  const t = m.now + 1n; // every transaction is mined at exactly now + 1 (setNextBlockTimestamp)
  const opt = (who: Actor) => ({ account: accounts[who].account, gas: GAS });
  const optPay = (who: Actor, value: bigint) => ({ account: accounts[who].account, value, gas: GAS });
  const step = (
    text: string,
    expectOk: boolean,
    sender: Actor,
    value: bigint,
    send: () => Promise<unknown>,
    apply: (t: bigint) => void | Promise<void> = () => {},
  ): Step => ({ text, expectOk, sender, value, send, apply });

  switch (a.kind) {
    case "pay": {
      let o: OrderModel | undefined;
      if (a.source === "replay") {
        const paid = m.orders.filter((x) => x.state !== S.None);
        o = paid.length > 0 ? paid[a.pick % paid.length] : undefined;
      } else if (a.source === "pooled") {
        const unpaid = m.orders.filter((x) => x.state === S.None);
        o = unpaid.length > 0 ? unpaid[a.pick % unpaid.length] : undefined;
      }
      if (o === undefined) {
        // A fresh quote from the provider (or a forgery), relative to the current time.
        orderCounter += 1;
        const tree = fileTree(a.fileSeed, a.size);
        const signed: Quote = {
          orderId: keccak256(toHex(`prop-order-${orderCounter}-${a.fileSeed}`)),
          client: addressOf[a.client],
          fileRoot: tree.root,
          size: BigInt(a.size),
          price: a.price,
          fine: a.fault === "fineOverFree" ? m.stakeTotal - m.stakeLocked + 1n : a.fine,
          storageUntil: m.now + (a.fault === "storageOver" ? 1n : a.storageFor),
          expiresAt: m.now + (a.fault === "expired" ? 0n : a.expiresIn),
        };
        const signerName: SignerName | "stranger" =
          a.fault === "otherSigner" ? otherSigner(m.signer) : a.fault === "strangerSig" ? "stranger" : m.signer;
        const quoteSig = await fx.signQuote(signed, signerWallet(signerName));
        const quote = a.fault === "tampered" ? { ...signed, price: signed.price + 1n } : signed;
        o = {
          label: `o${m.orders.length}`,
          quote,
          quoteSig,
          quoteSigner: signerName === "stranger" || a.fault === "tampered" ? null : signerName,
          client: a.client,
          tree,
          state: S.None,
          settled: false,
          paidAt: 0n,
          deadline: 0n,
          lastChallengeAt: 0n,
          chunkIndex: 0,
          observed: S.None,
          receiptSigs: new Map(),
        };
        m.orders.push(o);
      }
      const order = o;
      const q = order.quote;
      const sender = a.fault === "wrongSender" ? ACTORS[(ACTORS.indexOf(order.client) + 1 + (a.pick % 3)) % 4]! : order.client;
      const value =
        a.fault === "valuePlus" ? q.price + 1n : a.fault === "valueMinus" ? (q.price > 0n ? q.price - 1n : 2n) : q.price;
      const ok =
        addressOf[sender] === q.client &&
        m.registered[sender] &&
        t <= q.expiresAt &&
        q.storageUntil > t &&
        order.state === S.None &&
        value === q.price &&
        order.quoteSigner === m.signer &&
        q.fine <= m.stakeTotal - m.stakeLocked;
      return step(`${order.label}: pay by ${sender} value=${eth(value)}`, ok, sender, value,
        () => c.write.pay([q, order.quoteSig], optPay(sender, value)),
        (t) => {
          order.state = S.Paid;
          order.paidAt = t;
          m.stakeLocked += q.fine;
        });
    }

    case "settle": {
      const o = pickOrder(m, a.pick, [S.Paid]);
      if (o === undefined) return "no order";
      const q = a.tamper ? tampered(o.quote) : o.quote;
      const ok = !a.tamper && o.state === S.Paid && t >= o.paidAt + SETTLE_DELAY;
      return step(`${o.label}: settle by ${a.actor}`, ok, a.actor, 0n, () => c.write.settle([q], opt(a.actor)), () => {
        o.state = S.Settled;
        o.settled = true;
        earn(m, o.quote.price, true);
      });
    }

    case "dispute": {
      const o = pickOrder(m, a.pick, [S.Paid]);
      if (o === undefined) return "no order";
      const sender = resolve(a.actor, o.client);
      const q = a.tamper ? tampered(o.quote) : o.quote;
      const ok = !a.tamper && o.state === S.Paid && sender === o.client;
      return step(`${o.label}: disputeDelivery by ${sender}`, ok, sender, 0n,
        () => c.write.disputeDelivery([q], opt(sender)),
        (t) => {
          o.state = S.DeliveryDisputed;
          o.deadline = t + RESPONSE_WINDOW;
        });
    }

    case "publish": {
      const o = pickOrder(m, a.pick, [S.DeliveryDisputed]);
      if (o === undefined) return "no order";
      const q = a.tamper ? tampered(o.quote) : o.quote;
      const { link, signature } = await receiptFor(m, o, a.sig);
      const inTime = LATE_ANSWERS_ACCEPTED || t <= o.deadline;
      const ok = !a.tamper && o.state === S.DeliveryDisputed && receiptValid(m, o, a.sig) && inTime;
      return step(`${o.label}: publishReceipt by ${a.actor}`, ok, a.actor, 0n,
        () => c.write.publishReceipt([q, link, signature], opt(a.actor)),
        () => {
          o.state = S.Paid;
          o.deadline = 0n;
        });
    }

    case "refund": {
      const o = pickOrder(m, a.pick, [S.Paid, S.DeliveryDisputed]);
      if (o === undefined) return "no order";
      const sender = resolve(a.actor, "owner");
      const q = a.tamper ? tampered(o.quote) : o.quote;
      const ok = !a.tamper && sender === "owner" && (o.state === S.Paid || o.state === S.DeliveryDisputed);
      return step(`${o.label}: refund by ${sender}`, ok, sender, 0n, () => c.write.refund([q], opt(sender)), () => {
        o.state = S.Refunded;
        o.deadline = 0n;
        m.stakeLocked -= o.quote.fine;
        credit(m, o.client, o.quote.price);
      });
    }

    case "challenge": {
      const o = pickOrder(m, a.pick, [S.Paid, S.Settled]);
      if (o === undefined) return "no order";
      const sender = resolve(a.actor, o.client);
      const q = a.tamper ? tampered(o.quote) : o.quote;
      const { link, signature } = await receiptFor(m, o, a.sig);
      const value = a.bond === "exact" ? BOND : a.bond === "zero" ? 0n : BOND + 1n;
      const ok =
        !a.tamper &&
        sender === o.client &&
        (o.state === S.Paid || o.state === S.Settled) &&
        t < o.quote.storageUntil &&
        value === BOND &&
        (o.lastChallengeAt === 0n || t >= o.lastChallengeAt + COOLDOWN) &&
        receiptValid(m, o, a.sig);
      return step(`${o.label}: challengeStorage by ${sender} bond=${eth(value)}`, ok, sender, value,
        () => c.write.challengeStorage([q, link, signature], optPay(sender, value)),
        async (t) => {
          o.state = S.Challenged;
          o.deadline = t + RESPONSE_WINDOW;
          o.lastChallengeAt = t;
          // The chunk index comes from on-chain randomness: read it, check it is in range.
          const [deadline, last, index] = await c.read.pendingOf([o.quote.orderId]);
          assert.equal(deadline, o.deadline, "challenge deadline");
          assert.equal(last, t, "lastChallengeAt");
          assert.ok(index < BigInt(chunkCount(Number(o.quote.size))), `chunk index ${index} out of range`);
          o.chunkIndex = Number(index);
        });
    }

    case "respond": {
      const o = pickOrder(m, a.pick, [S.Challenged]);
      if (o === undefined) return "no order";
      const tree = o.tree;
      const n = tree.chunks.length;
      const idx = o.chunkIndex < n ? o.chunkIndex : 0;
      let chunk: Uint8Array = tree.chunks[idx]!;
      let proof: Hex[] = tree.proof(idx);
      let size = o.quote.size;
      const flip = () => (chunk.length === 0 ? Uint8Array.of(0) : Uint8Array.from(chunk, (b, i) => (i === 0 ? b ^ 1 : b)));
      switch (a.proof) {
        case "valid":
          break;
        case "flipByte":
          chunk = flip();
          break;
        case "otherChunk":
          chunk = n > 1 ? tree.chunks[(idx + 1) % n]! : flip();
          break;
        case "wrongSize":
          size += 1n;
          break;
        case "shortProof":
          proof = proof.length > 0 ? proof.slice(0, -1) : [keccak256(toHex("extra"))];
          break;
        case "longProof":
          proof = [...proof, keccak256(toHex("extra"))];
          break;
      }
      const inTime = LATE_ANSWERS_ACCEPTED || t <= o.deadline;
      const ok = o.state === S.Challenged && a.proof === "valid" && inTime;
      return step(`${o.label}: respondStorage by ${a.actor} chunk ${idx}/${n} (${a.proof})`, ok, a.actor, 0n,
        () => c.write.respondStorage([o.quote.orderId, size, bytesToHex(chunk), proof], opt(a.actor)),
        () => {
          o.state = o.settled ? S.Settled : S.Paid;
          o.deadline = 0n;
          earn(m, BOND, true);
        });
    }

    case "claim": {
      const o = pickOrder(m, a.pick, [S.DeliveryDisputed, S.Challenged]);
      if (o === undefined) return "no order";
      const sender = resolve(a.actor, o.client);
      const q = a.tamper ? tampered(o.quote) : o.quote;
      const ok =
        !a.tamper &&
        sender === o.client &&
        (o.state === S.DeliveryDisputed || o.state === S.Challenged) &&
        t > o.deadline;
      return step(`${o.label}: claimPenalty by ${sender}`, ok, sender, 0n, () => c.write.claimPenalty([q], opt(sender)), () => {
        const amount = o.quote.fine + (o.settled ? 0n : o.quote.price) + (o.state === S.Challenged ? BOND : 0n);
        o.state = S.Penalized;
        o.deadline = 0n;
        o.lastChallengeAt = 0n;
        m.stakeTotal -= o.quote.fine;
        m.stakeLocked -= o.quote.fine;
        credit(m, o.client, amount);
        m.gains[o.client] += o.quote.fine;
      });
    }

    case "release": {
      const o = pickOrder(m, a.pick, [S.Paid, S.Settled]);
      if (o === undefined) return "no order";
      const q = a.tamper ? tampered(o.quote) : o.quote;
      const ok =
        !a.tamper &&
        (o.state === S.Paid || o.state === S.Settled) &&
        t >= o.quote.storageUntil &&
        (o.settled || !RELEASE_WAITS_FOR_SETTLE_DELAY || t >= o.paidAt + SETTLE_DELAY);
      return step(`${o.label}: release by ${a.actor}`, ok, a.actor, 0n, () => c.write.release([q], opt(a.actor)), () => {
        if (!o.settled) earn(m, o.quote.price, true);
        o.state = S.Completed;
        m.stakeLocked -= o.quote.fine;
      });
    }

    case "withdraw": {
      // "right": an account the model says is owed something (if any).
      const owed = ACTORS.filter((x) => withdrawableOf(m, x) > 0n);
      const sender = a.actor !== "right" ? a.actor : (owed[a.pick % Math.max(owed.length, 1)] ?? ACTORS[a.pick % 4]!);
      const amount = withdrawableOf(m, sender);
      return step(`withdraw by ${sender} (model: ${eth(amount)})`, amount > 0n, sender, 0n,
        () => c.write.withdraw(opt(sender)),
        () => {
          m.credit[sender] = 0n;
          if (sender === "owner") m.earned = 0n;
        });
    }

    case "depositStake": {
      const sender = resolve(a.actor, "owner");
      const ok = sender === "owner" && a.amount > 0n;
      return step(`depositStake by ${sender} ${eth(a.amount)}`, ok, sender, a.amount,
        () => c.write.depositStake(optPay(sender, a.amount)),
        () => {
          m.stakeTotal += a.amount;
        });
    }

    case "withdrawStake": {
      const sender = resolve(a.actor, "owner");
      const free = m.stakeTotal - m.stakeLocked;
      const amount = { zero: 0n, one: 1n, half: free / 2n, free, freePlus1: free + 1n }[a.amount];
      const ok = sender === "owner" && amount > 0n && amount <= free;
      return step(`withdrawStake by ${sender} ${eth(amount)} (free ${eth(free)})`, ok, sender, 0n,
        () => c.write.withdrawStake([amount], opt(sender)),
        () => {
          m.stakeTotal -= amount;
          earn(m, amount, false);
        });
    }

    case "register": {
      const sender = resolve(a.actor, "owner");
      const ok = sender === "owner" && a.target !== "zero" && !m.registered[a.target];
      return step(`registerClient(${a.target}) by ${sender}`, ok, sender, 0n,
        () => c.write.registerClient([addressOf[a.target]], opt(sender)),
        () => {
          if (a.target !== "zero") m.registered[a.target] = true;
        });
    }

    case "registerMany": {
      const sender = resolve(a.actor, "owner");
      const ok = sender === "owner" && !a.targets.includes("zero");
      return step(`registerClients([${a.targets.join(",")}]) by ${sender}`, ok, sender, 0n,
        () => c.write.registerClients([a.targets.map((x) => addressOf[x])], opt(sender)),
        () => {
          for (const x of a.targets) if (x !== "zero") m.registered[x] = true;
        });
    }

    case "deregister": {
      const sender = resolve(a.actor, "owner");
      const ok = sender === "owner" && a.target !== "zero" && m.registered[a.target];
      return step(`deregisterClient(${a.target}) by ${sender}`, ok, sender, 0n,
        () => c.write.deregisterClient([addressOf[a.target]], opt(sender)),
        () => {
          if (a.target !== "zero") m.registered[a.target] = false;
        });
    }

    case "rotateSigner": {
      const sender = resolve(a.actor, "owner");
      const to = a.to === "other" ? addressOf[otherSigner(m.signer)] : a.to === "same" ? addressOf[m.signer] : zeroAddress;
      const ok = sender === "owner" && a.to === "other";
      return step(`rotateSigner(${a.to}) by ${sender}`, ok, sender, 0n, () => c.write.rotateSigner([to], opt(sender)), (t) => {
        const previous = m.signer;
        const next = otherSigner(previous);
        m.retiredAt[previous] = t;
        m.retiredAt[next] = 0n;
        m.signer = next;
      });
    }

    case "time":
    case "next":
      throw new Error(`${a.kind} is not a transaction`);
  }
}

function shortError(e: unknown): string {
  const err = e as { shortMessage?: string; message?: string; details?: string };
  const text = err.shortMessage ?? err.message ?? String(e);
  const custom = /ServerContract\w+(\([^)]*\))?/.exec(`${text} ${err.message ?? ""} ${err.details ?? ""}`);
  return custom ? custom[0] : text.split("\n")[0]!.slice(0, 160);
}

/** Checks properties 1–3 against the chain after a step. */
async function checkInvariants(m: Model): Promise<void> {
  const c = fx.contract;
  const orders = m.orders;
  const [balance, stake, latest, signer, withdrawables, registered, onChain] = await Promise.all([
    fx.publicClient.getBalance({ address: c.address }),
    c.read.stake(),
    fx.networkHelpers.time.latest(),
    c.read.signer(),
    Promise.all(ACTORS.map((a) => c.read.withdrawable([addressOf[a]]))),
    Promise.all(ACTORS.map((a) => c.read.isRegistered([addressOf[a]]))),
    Promise.all(orders.map((o) => Promise.all([c.read.orderOf([o.quote.orderId]), c.read.pendingOf([o.quote.orderId])]))),
  ]);

  assert.equal(BigInt(latest), m.now, "chain time == model time");
  assert.equal(getAddress(signer), addressOf[m.signer], "signer()");
  ACTORS.forEach((a, i) => assert.equal(registered[i], m.registered[a], `isRegistered(${a})`));

  // Property 3: orders follow the model and the PROTOCOL lifecycle; stake book equals the model.
  assert.deepEqual(stake, [m.stakeTotal, m.stakeLocked], "stake() [total, locked]");
  assert.ok(m.stakeLocked <= m.stakeTotal, "locked <= total");
  orders.forEach((o, i) => {
    const [[state, settled, paidAt], [deadline, lastChallengeAt]] = onChain[i]!;
    const name = `${o.label} (${orderStateName(o.observed)} → ${orderStateName(state)})`;
    if (state !== o.observed) {
      assert.ok(LIFECYCLE[o.observed]!.includes(state), `${name}: transition forbidden by the PROTOCOL lifecycle`);
    }
    if (state === S.Paid || state === S.DeliveryDisputed || state === S.Refunded) assert.equal(settled, false, `${name}: settled flag`);
    if (state === S.Settled) assert.equal(settled, true, `${name}: settled flag`);
    if (o.observed !== S.None && o.settled) assert.equal(settled, true, `${name}: settled never resets`);
    o.observed = state;
    assert.equal(orderStateName(state), orderStateName(o.state), `${o.label}: state`);
    assert.equal(settled, o.settled, `${o.label}: settled`);
    assert.equal(paidAt, o.paidAt, `${o.label}: paidAt`);
    assert.equal(deadline, o.deadline, `${o.label}: open deadline`);
    assert.equal(lastChallengeAt, o.lastChallengeAt, `${o.label}: lastChallengeAt`);
  });

  // Property 1: balance == escrow + stake + bonds + credits (model), and == Σ in − Σ out (measured).
  let escrow = 0n;
  let bonds = 0n;
  for (const o of orders) {
    const open = o.state === S.Paid || o.state === S.DeliveryDisputed || o.state === S.Challenged;
    if (open && !o.settled) escrow += o.quote.price;
    if (o.state === S.Challenged) bonds += BOND;
  }
  const credits = withdrawables.reduce((s, w) => s + w, 0n);
  ACTORS.forEach((a, i) => assert.equal(withdrawables[i], withdrawableOf(m, a), `withdrawable(${a})`));
  assert.equal(balance, escrow + m.stakeTotal + bonds + credits,
    `balance ${balance} != escrow ${escrow} + stake ${m.stakeTotal} + bonds ${bonds} + credits ${credits}`);
  const totalIn = ACTORS.reduce((s, a) => s + m.paidIn[a], 0n);
  const totalOut = ACTORS.reduce((s, a) => s + m.withdrawn[a], 0n);
  assert.equal(balance, totalIn - totalOut, "balance == Σ paid in − Σ withdrawn");

  // Property 2: nobody takes out more than they put in plus what they legitimately won.
  for (const [i, a] of ACTORS.entries()) {
    assert.ok(m.withdrawn[a] <= m.paidIn[a] + m.gains[a],
      `${a} withdrew ${m.withdrawn[a]} > paid in ${m.paidIn[a]} + gains ${m.gains[a]}`);
    assert.equal(m.withdrawn[a] + withdrawables[i]!, m.credited[a], `${a}: withdrawn + withdrawable == credited`);
  }
}

async function runSequence(actions: Action[]): Promise<void> {
  await fx.networkHelpers.loadFixture(propertiesBaseline);
  const start = BigInt(await fx.networkHelpers.time.latest());
  const m = initialModel(start, await fx.publicClient.getBalance({ address: fx.contract.address }));
  const log: string[] = [];
  try {
    await checkInvariants(m);
    for (const [i, a] of actions.entries()) {
      let head = `${String(i).padStart(2)}. ${describeAction(a)}`;
      let action = a;
      if (a.kind === "next") {
        const options = nextSteps(m);
        if (options.length === 0) {
          log.push(`${head} → skipped (no open order)`);
          continue;
        }
        action = options[a.pick % options.length]!;
        head += ` = ${describeAction(action)}`;
      }
      if (action.kind === "time") {
        m.now = BigInt(await fx.networkHelpers.time.increase(action.seconds));
        log.push(`${head} → t=${m.now - start}`);
        await checkInvariants(m);
        continue;
      }
      const s = await plan(m, action);
      if (typeof s === "string") {
        log.push(`${head} → skipped (${s})`);
        continue;
      }
      log.push(`${head} → ${s.text}: expect ${s.expectOk ? "success" : "revert"}`);
      const t = m.now + 1n;
      await fx.networkHelpers.time.setNextBlockTimestamp(t);
      let error: unknown;
      try {
        await s.send();
      } catch (e) {
        error = e;
      }
      m.now = t; // mined either way: explicit gas means no estimation, a revert is mined as a failed tx
      const ok = error === undefined;
      const tallyKey = a.kind === "next" ? `next:${action.kind}` : a.kind;
      const tally = outcomes.get(tallyKey) ?? [0, 0];
      tally[ok ? 0 : 1] += 1;
      outcomes.set(tallyKey, tally);
      log[log.length - 1] += ok ? ", got success" : `, got revert ${shortError(error)}`;
      assert.equal(ok, s.expectOk, `step ${i}: model expected ${s.expectOk ? "success" : "revert"} (${s.text})`);
      const before = m.contractBalance;
      const after = await fx.publicClient.getBalance({ address: fx.contract.address });
      if (ok) {
        m.paidIn[s.sender] += s.value;
        if (action.kind === "withdraw") {
          const expected = withdrawableOf(m, s.sender);
          const out = before - after;
          assert.equal(out, expected, `withdraw paid ${out}, model expected ${expected}`);
          m.withdrawn[s.sender] += out;
        } else {
          assert.equal(after, before + s.value, "only withdraw takes money out; msg.value goes in");
        }
        await s.apply(t);
      } else {
        assert.equal(after, before, "a reverted transaction moves no money");
      }
      m.contractBalance = after;
      await checkInvariants(m);
    }
    if (VERBOSE) console.log(`--- sequence ---\n${log.join("\n")}`);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new Error(`${msg}\n--- executed actions (t relative to sequence start) ---\n${log.join("\n")}`, { cause: e });
  }
}

describe("ServerContract: model-based properties", () => {
  before(async () => {
    fx = await deployFixture();
    accounts = { owner: fx.owner, alice: fx.alice, bob: fx.bob, stranger: fx.stranger };
    addressOf = {
      owner: getAddress(fx.owner.account.address),
      alice: getAddress(fx.alice.account.address),
      bob: getAddress(fx.bob.account.address),
      stranger: getAddress(fx.stranger.account.address),
      zero: zeroAddress,
      signer: getAddress(fx.signer.account.address),
      newSigner: getAddress(fx.newSigner.account.address),
    };
    const p = await fx.contract.read.params();
    SETTLE_DELAY = p.settleDelay;
    RESPONSE_WINDOW = p.responseWindow;
    COOLDOWN = p.challengeCooldown;
    BOND = p.challengeBond;
    [initialStake] = await fx.contract.read.stake();
  });

  it(`random action sequences keep the money, the lifecycle and the stake book consistent (${NUM_RUNS} runs)`, async () => {
    const started = performance.now();
    let runs = 0;
    let steps = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(actionArb(), { minLength: 5, maxLength: 30, size: "max" }), async (actions) => {
        runs += 1;
        steps += actions.length;
        await runSequence(actions);
      }),
      { numRuns: NUM_RUNS, seed: SEED, endOnFailure: false },
    );
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const tallies = [...outcomes].map(([k, [ok, ko]]) => `${k} ${ok}✓/${ko}✗`).join(", ");
    console.log(`    properties: ${runs} sequences, ${steps} actions in ${seconds}s\n    outcomes: ${tallies}`);
  });
});
