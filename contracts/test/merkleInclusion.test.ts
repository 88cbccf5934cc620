// The contract's RFC 6962 inclusion check (MerkleInclusion via respondStorage) against the shared
// TypeScript Merkle module: for file sizes from 0 to 5 MiB, the proof the TS code builds for the
// drawn chunk is accepted on chain, and every tampered variant is refused, exactly as the TS
// verifier refuses it.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { before, describe, it } from "node:test";
import { type Hex, bytesToHex, encodeAbiParameters, hexToBigInt, hexToBytes, keccak256, parseEther } from "viem";
import type { Quote } from "@pekanu/protocol";
import { chunkCount, fileRootOf, inclusionProof, leafHash, splitChunks, verifyInclusion } from "@pekanu/protocol/merkle";
import { nodeSha256 } from "@pekanu/protocol/node";
import { type Fixture, deployFixture } from "./fixture.ts";

const KiB = 1024;
const MiB = 1024 * KiB;
const LINK = "https://provider.example/v1/files/merkle";

// Sizes: the edge cases around one chunk, a power-of-two leaf count and its neighbour, 5 MiB, and
// random sizes up to 5 MiB drawn from a seed printed in the test names (set PEKANU_MERKLE_SEED to
// replay a run).
const seed = Number(process.env.PEKANU_MERKLE_SEED ?? randomBytes(4).readUInt32LE(0));
function mulberry32(a: number) {
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = mulberry32(seed);
const randomSizes = [
  Math.floor(rand() * 16 * KiB),
  Math.floor(rand() * 256 * KiB),
  Math.floor(rand() * MiB),
  Math.floor(rand() * 5 * MiB),
  Math.floor(rand() * 5 * MiB),
];
const sizes = [0, 1, 1023, 1024, 1025, 2047, 3 * KiB + 1, 4 * MiB, 4 * MiB + 1, 5 * MiB, ...randomSizes];


type File = {
  data: Uint8Array;
  size: number;
  chunks: number;
  root: Hex;
  chunk(index: number): Hex;
  proof(index: number): Hex[];
};

function makeFile(size: number): File {
  const data = new Uint8Array(randomBytes(size));
  const leaves = splitChunks(data).map((c) => leafHash(c, { sha256: nodeSha256 }));
  return {
    data,
    size,
    chunks: chunkCount(size),
    root: fileRootOf(data, { sha256: nodeSha256 }),
    chunk: (index) => bytesToHex(data.subarray(index * KiB, Math.min(size, (index + 1) * KiB))),
    proof: (index) => inclusionProof({ leafHashes: leaves, index, sha256: nodeSha256 }),
  };
}

function flip(hex: Hex, byte: number): Hex {
  const bytes = hexToBytes(hex);
  bytes[byte] = bytes[byte]! ^ 0x80;
  return bytesToHex(bytes);
}

/** What the shared TS verifier says about a (chunk, proof) answer for `index`. */
function tsAccepts(file: File, index: number, chunk: Hex, proof: Hex[]): boolean {
  return verifyInclusion({
    root: file.root,
    chunk: hexToBytes(chunk),
    index,
    treeSize: file.chunks,
    proof,
    sha256: nodeSha256,
  });
}

describe(`MerkleInclusion through respondStorage (sizes 0…5 MiB, seed ${seed})`, () => {
  let f: Fixture;

  before(async () => {
    f = await deployFixture();
  });

  /** Opens a challenge naming chunk `target` (v2: the client names it). */
  async function challengeAt(quote: Quote, sigma: Hex, chunks: number, target: number): Promise<void> {
    void chunks;
    await f.contract.write.challengeStorage([quote, LINK, sigma, [BigInt(target)]], {
      account: f.alice.account,
      value: f.params.challengeBond,
    });
    const [, , chunkIndex] = await f.contract.read.pendingOf([quote.orderId]);
    assert.equal(Number(chunkIndex), target, "the contract keeps the named index");
  }

  /**
   * Expects respondStorage to refuse the answer: InvalidChunk when the chunk's length does not fit
   * the challenged index under the claimed size (or the index is out of range), else InvalidProof.
   */
  async function expectRefused(quote: Quote, size: bigint, index: number, chunk: Hex, proof: Hex[]) {
    const n = size === 0n ? 1 : Math.ceil(Number(size) / KiB);
    const fits = index < n && hexToBytes(chunk).length === (index + 1 < n ? KiB : Number(size) - (n - 1) * KiB);
    await f.viem.assertions.revertWithCustomErrorWithArgs(
      f.contract.write.respondStorage([quote.orderId, size, [chunk], [proof], quote.client]),
      f.contract,
      fits ? "ServerContractInvalidProof" : "ServerContractInvalidChunk",
      [quote.orderId],
    );
  }

  for (const size of sizes) {
    it(`size ${size}: accepts the TS proof for the drawn chunk and refuses tampered answers`, async () => {
      const file = makeFile(size);
      const quote = await f.paidOrder(f.alice, {
        fileRoot: file.root,
        size: BigInt(size),
        fine: parseEther("0.01"),
        price: parseEther("0.001"),
      });
      const sigma = await f.signReceipt(quote, LINK);
      const last = file.chunks - 1;
      const targets = [...new Set([last, 0, Math.floor(rand() * file.chunks)])];

      for (const [round, index] of targets.entries()) {
        await challengeAt(quote, sigma, file.chunks, index);
        const chunk = file.chunk(index);
        const proof = file.proof(index);
        assert.equal(tsAccepts(file, index, chunk, proof), true);
        const id = quote.orderId;
        const sz = quote.size;

        if (round === 0 || index === last) {
          const tampered: { what: string; chunk: Hex; proof: Hex[] }[] = [];
          const chunkBytes = (chunk.length - 2) / 2;
          if (chunkBytes > 0) {
            tampered.push({ what: "first chunk byte flipped", chunk: flip(chunk, 0), proof });
            tampered.push({ what: "last chunk byte flipped", chunk: flip(chunk, chunkBytes - 1), proof });
            tampered.push({ what: "chunk one byte short", chunk: bytesToHex(hexToBytes(chunk).subarray(1)), proof });
          }
          tampered.push({ what: "chunk one byte long", chunk: `${chunk}00`, proof });
          for (let i = 0; i < proof.length; i++) {
            const p = proof.slice();
            p[i] = flip(p[i]!, i % 32);
            tampered.push({ what: `proof node ${i} flipped`, chunk, proof: p });
          }
          if (proof.length > 0) {
            tampered.push({ what: "proof truncated", chunk, proof: proof.slice(0, -1) });
            tampered.push({ what: "proof without its first node", chunk, proof: proof.slice(1) });
            tampered.push({ what: "empty proof", chunk, proof: [] });
          }
          tampered.push({ what: "proof extended by a node", chunk, proof: [...proof, file.root] });
          tampered.push({ what: "proof extended by a zero node", chunk, proof: [...proof, `0x${"00".repeat(32)}`] });
          if (file.chunks > 1) {
            const other = index === 0 ? last : 0;
            tampered.push({ what: "proof of another index", chunk, proof: file.proof(other) });
            tampered.push({ what: "chunk and proof of another index", chunk: file.chunk(other), proof: file.proof(other) });
            const neighbour = index === last ? index - 1 : index + 1;
            tampered.push({ what: "proof of the neighbour index", chunk, proof: file.proof(neighbour) });
          }
          for (const t of tampered) {
            assert.equal(tsAccepts(file, index, t.chunk, t.proof), false, `TS verifier refuses: ${t.what}`);
            await expectRefused(quote, sz, index, t.chunk, t.proof);
          }
          // the true chunk and proof under another claimed size
          for (const other of [sz + 1n, sz === 0n ? 1024n : sz - 1n, sz + 1024n]) {
            await expectRefused(quote, other, index, chunk, proof);
          }
          // a different file of the same size, same index (every empty file is the same file)
          if (size > 0) {
            const stranger = makeFile(size);
            await expectRefused(quote, sz, index, stranger.chunk(index), stranger.proof(index));
          }
        }

        await f.viem.assertions.emitWithArgs(
          f.contract.write.respondStorage([id, sz, [chunk], [proof], quote.client]),
          f.contract,
          "StorageProven",
          [id, quote.fileRoot, [BigInt(index)], f.params.challengeBond, 0n],
        );
        await f.networkHelpers.time.increase(f.params.challengeCooldown);
      }
    });
  }
});
