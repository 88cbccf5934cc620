// The source of the extension's fast hashing: a WebAssembly text module, generated here rather than
// written by hand, that hashes Merkle leaves and interior nodes four at a time with 128-bit SIMD
// (one SHA-256 message per 32-bit lane, "multi-buffer" hashing). The browser has no SHA
// instructions and WebCrypto costs a fixed ~7 µs per call, far too much per 1 KiB leaf; four lanes
// of plain SHA-256 in WebAssembly run about 4× the pure-TypeScript code.
//
// `npm run wasm:sync` compiles this text (wabt) into ./merkleWasmBinary.ts; a test checks that the
// committed binary is what this function produces, so the binary is never edited by hand.
//
// Both exported functions take byte offsets into the module's own memory:
//   leaves(in, n, out): out[i] = SHA-256(0x00 ‖ in[1024·i, 1024·i + 1024)) for i < n  (full chunks)
//   nodes(in, n, out):  out[i] = SHA-256(0x01 ‖ in[64·i, 64·i + 64))        for i < n  (pairs)
// Digests are 32 bytes each, stored contiguously at `out`. `nodes` may run in place (out = in):
// every group of four reads all its inputs before it writes. Both read the byte before `in`
// (masked off), so `in` ≥ 1. A short last group repeats the last message in the spare lanes.
import { CHUNK_SIZE, HASH_SIZE, LEAF_PREFIX, NODE_PREFIX } from "../constants.ts";

const K = [
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];
const IV = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
const LANES = 4;
const BLOCK = 64;
const LEAF_BLOCKS = (CHUNK_SIZE / BLOCK) | 0; // 16 whole blocks, then the chunk's last byte + padding
const NODE_MESSAGE = 1 + 2 * HASH_SIZE; // 65 bytes: one whole block, then the last byte + padding

const splat = (x: number) => `(v128.const i32x4 ${x | 0} ${x | 0} ${x | 0} ${x | 0})`;
const get = (name: string) => `(local.get $${name})`;
const set = (name: string, value: string) => `(local.set $${name} ${value})`;
const rotr = (x: string, n: number) => `(v128.or (i32x4.shr_u ${x} (i32.const ${n})) (i32x4.shl ${x} (i32.const ${32 - n})))`;
const xor3 = (a: string, b: string, c: string) => `(v128.xor (v128.xor ${a} ${b}) ${c})`;
const add = (...terms: string[]) => terms.reduce((sum, term) => `(i32x4.add ${sum} ${term})`);
const forLanes = (line: (j: number) => string) => Array.from({ length: LANES }, (_, j) => line(j)).join("\n");
// SHA-256 is big-endian, WebAssembly little-endian: reverse the bytes of each 32-bit lane.
const BSWAP = "(v128.const i8x16 3 2 1 0 7 6 5 4 11 10 9 8 15 14 13 12)";

/** The big-endian word at `q_j + offset` of each lane's message. */
function loadWord(offset: number): string {
  let vector = `(v128.load32_zero offset=${offset} ${get("q0")})`;
  for (let j = 1; j < LANES; j++) vector = `(v128.load32_lane offset=${offset} ${j} ${get(`q${j}`)} ${vector})`;
  return `(i8x16.swizzle ${vector} ${BSWAP})`;
}

/** One compression: message words in w0..w15, chaining state in s0..s7 (updated). */
function compress(): string {
  const out: string[] = [];
  const registers = ["a", "b", "c", "d", "e", "f", "g", "h"];
  registers.forEach((r, i) => out.push(set(r, get(`s${i}`))));
  // The eight working variables rotate by renaming the locals, so a round moves no data.
  let names = [...registers];
  for (let t = 0; t < 64; t++) {
    const w = `w${t % 16}`;
    if (t >= 16) {
      const x = get(`w${(t - 15) % 16}`);
      const y = get(`w${(t - 2) % 16}`);
      const s0 = xor3(rotr(x, 7), rotr(x, 18), `(i32x4.shr_u ${x} (i32.const 3))`);
      const s1 = xor3(rotr(y, 17), rotr(y, 19), `(i32x4.shr_u ${y} (i32.const 10))`);
      out.push(set(w, add(s1, get(`w${(t - 7) % 16}`), s0, get(w))));
    }
    const [a, b, c, d, e, f, g, h] = names.map(get) as [string, string, string, string, string, string, string, string];
    const S1 = xor3(rotr(e, 6), rotr(e, 11), rotr(e, 25));
    const ch = `(v128.bitselect ${f} ${g} ${e})`;
    const S0 = xor3(rotr(a, 2), rotr(a, 13), rotr(a, 22));
    const maj = `(v128.bitselect ${c} ${a} (v128.xor ${a} ${b}))`;
    out.push(set("t1", add(h, S1, ch, splat(K[t]!), get(w))));
    out.push(set(names[3]!, `(i32x4.add ${d} ${get("t1")})`));
    out.push(set(names[7]!, add(get("t1"), S0, maj)));
    names = [names[7]!, ...names.slice(0, 7)];
  }
  names.forEach((r, i) => out.push(set(`s${i}`, `(i32x4.add ${get(`s${i}`)} ${get(r)})`)));
  return out.join("\n");
}

const initState = () => IV.map((v, i) => set(`s${i}`, splat(v))).join("\n");

/** Writes lane j's digest to o_j. */
function storeDigests(): string {
  const out: string[] = [];
  for (let i = 0; i < 8; i++) {
    out.push(set("t1", `(i8x16.swizzle ${get(`s${i}`)} ${BSWAP})`));
    out.push(forLanes((j) => `(v128.store32_lane offset=${4 * i} ${j} ${get(`o${j}`)} ${get("t1")})`));
  }
  return out.join("\n");
}

/** Message and digest pointers of the group starting at message i: lane j takes min(i + j, n - 1). */
function lanePointers(stride: number): string {
  const out = [set("last", `(i32.sub ${get("n")} (i32.const 1))`)];
  out.push(
    forLanes((j) => {
      const k = `(i32.add ${get("i")} (i32.const ${j}))`;
      const index = `(select ${k} ${get("last")} (i32.lt_u ${k} ${get("last")}))`;
      return [
        set(`p${j}`, `(i32.add ${get("in")} (i32.mul ${index} (i32.const ${stride})))`),
        set(`o${j}`, `(i32.add ${get("out")} (i32.mul ${index} (i32.const ${HASH_SIZE})))`),
        // q_j reads one byte early: the prefix byte's place, masked and replaced below.
        set(`q${j}`, `(i32.sub ${get(`p${j}`)} (i32.const 1))`),
      ].join("\n");
    }),
  );
  return out.join("\n");
}

/** Words 0..15 of a whole block at q_j; word 0 goes through `first` (to put the prefix byte in). */
const loadBlock = (first: (word: string) => string) =>
  Array.from({ length: 16 }, (_, w) => set(`w${w}`, w === 0 ? first(loadWord(0)) : loadWord(4 * w))).join("\n");

/** `(byte << 24) | 0x800000` per lane: a message's last byte followed by the 0x80 padding byte. */
function lastByteWord(offset: number): string {
  let vector = `(v128.load8_lane offset=${offset} 3 ${get("p0")} (v128.const i32x4 0 0 0 0))`;
  for (let j = 1; j < LANES; j++) vector = `(v128.load8_lane offset=${offset} ${4 * j + 3} ${get(`p${j}`)} ${vector})`;
  return `(v128.or ${vector} ${splat(0x00800000)})`;
}

/** The final block: the message's last byte and padding, zeros, the message length in bits. */
const finalBlock = (lastByteOffset: number, messageBytes: number) =>
  [
    set("w0", lastByteWord(lastByteOffset)),
    ...Array.from({ length: 14 }, (_, k) => set(`w${k + 1}`, "(v128.const i32x4 0 0 0 0)")),
    set("w15", splat(messageBytes * 8)),
  ].join("\n");

const prefixMask = splat(0x00ffffff);
/** Word 0 of a node's first block: the prefix byte in place of the byte before the pair. */
const withNodePrefix = (word: string) => `(v128.or (v128.and ${word} ${prefixMask}) ${splat(NODE_PREFIX << 24)})`;

const LOCALS = [
  ...["a", "b", "c", "d", "e", "f", "g", "h", "t1"].map((n) => `(local $${n} v128)`),
  ...Array.from({ length: 8 }, (_, i) => `(local $s${i} v128)`),
  ...Array.from({ length: 16 }, (_, i) => `(local $w${i} v128)`),
  ...Array.from({ length: LANES }, (_, j) => `(local $p${j} i32) (local $q${j} i32) (local $o${j} i32)`),
  "(local $mask v128) (local $i i32) (local $last i32) (local $block i32)",
].join(" ");

function exportedLoop(name: string, stride: number, body: string): string {
  return `(func (export "${name}") (param $in i32) (param $n i32) (param $out i32) ${LOCALS}
(block $done (loop $group
(br_if $done (i32.ge_u ${get("i")} ${get("n")}))
${lanePointers(stride)}
${initState()}
${body}
${storeDigests()}
${set("i", `(i32.add ${get("i")} (i32.const ${LANES}))`)}
(br $group)))
)`;
}

/**
 * The WebAssembly text of the 4-lane Merkle hashing module (see the file comment for its exports).
 * Deterministic: the same text every call.
 */
export function renderMerkleWat(): string {
  // Masking the byte before a chunk off is how the leaf prefix gets in: it must be 0x00.
  if (LEAF_PREFIX !== 0) throw new Error("renderMerkleWat assumes the leaf prefix 0x00");
  const leafBody = [
    // Blocks 0..15 are the chunk's bytes [64b - 1, 64b + 63); in block 0 the byte before the chunk
    // is replaced by the prefix (the mask is all ones from block 1 on).
    set("mask", prefixMask),
    set("block", "(i32.const 0)"),
    `(loop $blocks`,
    loadBlock((word) => `(v128.and ${word} ${get("mask")})`),
    set("mask", splat(-1)),
    compress(),
    forLanes((j) => set(`q${j}`, `(i32.add ${get(`q${j}`)} (i32.const ${BLOCK}))`)),
    set("block", `(i32.add ${get("block")} (i32.const 1))`),
    `(br_if $blocks (i32.lt_u ${get("block")} (i32.const ${LEAF_BLOCKS}))))`,
    finalBlock(CHUNK_SIZE - 1, 1 + CHUNK_SIZE),
    compress(),
  ].join("\n");
  const nodeBody = [loadBlock(withNodePrefix), compress(), finalBlock(NODE_MESSAGE - 2, NODE_MESSAGE), compress()].join("\n");
  return `;; Generated by renderMerkleWat (protocol/src/merkle/wasm). 4-lane SIMD SHA-256 of RFC 6962 leaves and nodes.
(module
(memory (export "memory") 1)
${exportedLoop("leaves", CHUNK_SIZE, leafBody)}
${exportedLoop("nodes", 2 * HASH_SIZE, nodeBody)}
)
`;
}
