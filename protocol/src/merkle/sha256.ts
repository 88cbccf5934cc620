// SHA-256 (FIPS 180-4) in plain TypeScript: synchronous and isomorphic (browser extension, Node,
// workers), so the Merkle code never waits on the asynchronous WebCrypto API once per 1 KiB chunk.
// All arithmetic stays in int32; the message schedule, the padding block and the state are
// module-level buffers reused by every call (the function is synchronous, so this is safe).

const K = Int32Array.from([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

const IV = Int32Array.from([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
]);

const W = new Int32Array(64);
const STATE = new Int32Array(8);
const TAIL = new Uint8Array(128);

/** Runs the compression function on the 64-byte block of `data` at `offset`, updating STATE. */
function compress(data: Uint8Array, offset: number): void {
  const w = W;
  const k = K;
  for (let i = 0, p = offset; i < 16; i++, p += 4) {
    w[i] = (data[p]! << 24) | (data[p + 1]! << 16) | (data[p + 2]! << 8) | data[p + 3]!;
  }
  for (let i = 16; i < 64; i++) {
    const x = w[i - 15]!;
    const y = w[i - 2]!;
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    w[i] = (s1 + w[i - 7]! + s0 + w[i - 16]!) | 0;
  }
  const s = STATE;
  let a = s[0]!;
  let b = s[1]!;
  let c = s[2]!;
  let d = s[3]!;
  let e = s[4]!;
  let f = s[5]!;
  let g = s[6]!;
  let h = s[7]!;
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + S1 + ((e & f) ^ (~e & g)) + k[i]! + w[i]!) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  s[0] = (s[0]! + a) | 0;
  s[1] = (s[1]! + b) | 0;
  s[2] = (s[2]! + c) | 0;
  s[3] = (s[3]! + d) | 0;
  s[4] = (s[4]! + e) | 0;
  s[5] = (s[5]! + f) | 0;
  s[6] = (s[6]! + g) | 0;
  s[7] = (s[7]! + h) | 0;
}

/**
 * SHA-256 of `data`, as a new 32-byte array.
 *
 * @example
 * sha256(new Uint8Array()) // e3b0c442…b855
 */
export function sha256(data: Uint8Array): Uint8Array {
  STATE.set(IV);
  const length = data.length;
  const rest = length % 64;
  const full = length - rest;
  for (let offset = 0; offset < full; offset += 64) compress(data, offset);

  // Padding: the remaining bytes, 0x80, zeros, then the message length in bits (64-bit big-endian).
  const tail = TAIL;
  tail.fill(0);
  for (let i = 0; i < rest; i++) tail[i] = data[full + i]!;
  tail[rest] = 0x80;
  const tailLength = rest < 56 ? 64 : 128;
  const bitsHigh = Math.floor(length / 0x20000000); // (length * 8) / 2^32, exact for safe integers
  const bitsLow = (length * 8) >>> 0; // (length * 8) mod 2^32
  tail[tailLength - 8] = bitsHigh >>> 24;
  tail[tailLength - 7] = bitsHigh >>> 16;
  tail[tailLength - 6] = bitsHigh >>> 8;
  tail[tailLength - 5] = bitsHigh;
  tail[tailLength - 4] = bitsLow >>> 24;
  tail[tailLength - 3] = bitsLow >>> 16;
  tail[tailLength - 2] = bitsLow >>> 8;
  tail[tailLength - 1] = bitsLow;
  compress(tail, 0);
  if (tailLength === 128) compress(tail, 64);

  const out = new Uint8Array(32);
  for (let i = 0; i < 8; i++) {
    const v = STATE[i]!;
    out[i * 4] = v >>> 24;
    out[i * 4 + 1] = v >>> 16;
    out[i * 4 + 2] = v >>> 8;
    out[i * 4 + 3] = v;
  }
  return out;
}
