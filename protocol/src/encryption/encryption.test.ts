import { describe, expect, it } from "vitest";
import { createMerkleBuilder } from "../merkle/createMerkleBuilder.ts";
import { fileRootOf } from "../merkle/fileRootOf.ts";
import { nodeSha256 } from "../node/nodeSha256.ts";
import { concatBytes } from "./concatBytes.ts";
import { DEFAULT_SEGMENT_SIZE, ENCRYPTION_HEADER_SIZE, ENCRYPTION_TAG_SIZE } from "./constants.ts";
import { createEncryptionHeader } from "./createEncryptionHeader.ts";
import { decryptBytes } from "./decryptBytes.ts";
import { decryptSegment } from "./decryptSegment.ts";
import { decryptStream } from "./decryptStream.ts";
import { deriveConvergentKey } from "./deriveConvergentKey.ts";
import { encryptBytes } from "./encryptBytes.ts";
import { encryptedSize } from "./encryptedSize.ts";
import { encryptSegment } from "./encryptSegment.ts";
import { EncryptionError, type EncryptionErrorCode } from "./EncryptionError.ts";
import { encryptStream } from "./encryptStream.ts";
import { generateFileKey } from "./generateFileKey.ts";
import { importSegmentKey } from "./importSegmentKey.ts";
import { parseEncryptionHeader } from "./parseEncryptionHeader.ts";
import { segmentCount } from "./segmentCount.ts";
import { verifyEncryptionHeader } from "./verifyEncryptionHeader.ts";

const S = 1024; // small segments for the structural tests
const random = (n: number) => {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) globalThis.crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65536)));
  return out;
};

/** Splits bytes into pieces of pseudo-random sizes (1 … 3·S). */
function* pieces(bytes: Uint8Array, seed = 1): Generator<Uint8Array> {
  let state = seed;
  for (let offset = 0; offset < bytes.length; ) {
    state = (state * 1103515245 + 12345) >>> 0;
    const size = 1 + (state % (3 * S));
    yield bytes.subarray(offset, offset + size);
    offset += size;
  }
}

async function collect(iterable: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const out: Uint8Array[] = [];
  for await (const piece of iterable) out.push(piece);
  return concatBytes(out);
}

/** The error `promise` rejects with; fails when it resolves. */
async function failure(promise: Promise<unknown>): Promise<EncryptionError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EncryptionError);
  return error as EncryptionError;
}

async function expectFailure(promise: Promise<unknown>, code: EncryptionErrorCode, segment?: number) {
  const error = await failure(promise);
  expect(error.code).toBe(code);
  expect(error.segment).toBe(segment);
  return error;
}

/** Offset of segment `i` in a ciphertext with segment size S. */
const segmentOffset = (i: number) => ENCRYPTION_HEADER_SIZE + i * (S + ENCRYPTION_TAG_SIZE);

describe("round trips", () => {
  it.each([0, 1, S - 1, S, S + 1, 2 * S, 3 * S + 5, 10 * S + 1023])("%i bytes in 1 KiB segments, streamed in uneven pieces", async (size) => {
    const key = generateFileKey();
    const plaintext = random(size);
    const ciphertext = await collect(encryptStream({ key, mode: "private", plaintextSize: size, source: pieces(plaintext), segmentSize: S }));
    expect(ciphertext.length).toBe(encryptedSize({ plaintextSize: size, segmentSize: S }));
    expect(ciphertext.length).toBe(ENCRYPTION_HEADER_SIZE + size + ENCRYPTION_TAG_SIZE * Math.max(1, Math.ceil(size / S)));
    const decrypted = await collect(decryptStream({ key, source: pieces(ciphertext, 7) }));
    expect(decrypted).toEqual(plaintext);
    // one piece at a time and all at once give the same
    expect(await decryptBytes({ key, ciphertext })).toEqual(plaintext);
  });

  it.each([0, 1, DEFAULT_SEGMENT_SIZE - 1, DEFAULT_SEGMENT_SIZE, DEFAULT_SEGMENT_SIZE + 1, 3 * DEFAULT_SEGMENT_SIZE + 17])(
    "%i bytes in default (64 KiB) segments",
    async (size) => {
      const key = generateFileKey();
      const plaintext = random(size);
      const ciphertext = await encryptBytes({ key, mode: "private", plaintext });
      expect(ciphertext.length).toBe(encryptedSize({ plaintextSize: size }));
      expect(segmentCount({ plaintextSize: size })).toBe(Math.max(1, Math.ceil(size / DEFAULT_SEGMENT_SIZE)));
      expect(await decryptBytes({ key, ciphertext })).toEqual(plaintext);
    },
  );

  it("the commitment is over the ciphertext, streamed through the Merkle builder unchanged", async () => {
    const key = generateFileKey();
    const plaintext = random(5 * S + 3);
    const builder = createMerkleBuilder({ sha256: nodeSha256 });
    const pieceList: Uint8Array[] = [];
    for await (const piece of encryptStream({ key, mode: "private", plaintextSize: plaintext.length, source: [plaintext], segmentSize: S })) {
      builder.update(piece);
      pieceList.push(piece);
    }
    const ciphertext = concatBytes(pieceList);
    expect(builder.digest()).toEqual({ root: fileRootOf(ciphertext), size: ciphertext.length, chunks: Math.ceil(ciphertext.length / 1024) });
    expect(builder.digest().root).not.toBe(fileRootOf(plaintext));
  });

  it("segments are authenticated for their position and finality", async () => {
    const key = generateFileKey();
    const header = createEncryptionHeader({ key, mode: "private", plaintextSize: 2 * S, segmentSize: S });
    const cryptoKey = await importSegmentKey({ key, header });
    const sealed = await encryptSegment({ cryptoKey, index: 0, final: false, plaintext: random(S) });
    await expect(decryptSegment({ cryptoKey, index: 0, final: false, ciphertext: sealed })).resolves.toHaveLength(S);
    await expectFailure(decryptSegment({ cryptoKey, index: 0, final: true, ciphertext: sealed }), "SegmentTampered", 0);
    await expectFailure(decryptSegment({ cryptoKey, index: 1, final: false, ciphertext: sealed }), "SegmentTampered", 1);
  });
});

describe("modes", () => {
  it("private: the same file twice gives unrelated ciphertexts and roots", async () => {
    const plaintext = random(3 * S);
    const a = await encryptBytes({ key: generateFileKey(), mode: "private", plaintext, segmentSize: S });
    const b = await encryptBytes({ key: generateFileKey(), mode: "private", plaintext, segmentSize: S });
    expect(fileRootOf(a)).not.toBe(fileRootOf(b));
    // even under one key (a reused CLI key) the random salt gives a fresh segment key
    const key = generateFileKey();
    const c = await encryptBytes({ key, mode: "private", plaintext, segmentSize: S });
    const d = await encryptBytes({ key, mode: "private", plaintext, segmentSize: S });
    expect(fileRootOf(c)).not.toBe(fileRootOf(d));
    expect(c.subarray(ENCRYPTION_HEADER_SIZE)).not.toEqual(d.subarray(ENCRYPTION_HEADER_SIZE));
  });

  it("convergent: identical files give identical ciphertexts (two clients), different files different ones", async () => {
    const plaintext = random(4 * S + 9);
    const encrypt = async (bytes: Uint8Array) => {
      const key = deriveConvergentKey({ plaintextRoot: fileRootOf(bytes) });
      return { key, ciphertext: await encryptBytes({ key, mode: "convergent", plaintext: bytes, segmentSize: S }) };
    };
    const first = await encrypt(plaintext);
    const second = await encrypt(plaintext.slice());
    expect(second.key).toEqual(first.key);
    expect(second.ciphertext).toEqual(first.ciphertext);
    expect(fileRootOf(second.ciphertext)).toBe(fileRootOf(first.ciphertext));
    expect(parseEncryptionHeader(first.ciphertext).salt).toEqual(new Uint8Array(16));
    const other = plaintext.slice();
    other[0]! ^= 1;
    const third = await encrypt(other);
    expect(third.key).not.toEqual(first.key);
    expect(fileRootOf(third.ciphertext)).not.toBe(fileRootOf(first.ciphertext));
    expect(await decryptBytes({ key: first.key, ciphertext: second.ciphertext })).toEqual(plaintext);
  });

  it("convergent: one key never meets two layouts with the same keystream (segment key bound to the header)", async () => {
    const plaintext = random(4 * S);
    const key = deriveConvergentKey({ plaintextRoot: fileRootOf(plaintext) });
    const a = await encryptBytes({ key, mode: "convergent", plaintext, segmentSize: S });
    const b = await encryptBytes({ key, mode: "convergent", plaintext, segmentSize: 2 * S });
    const keystream = (c: Uint8Array) => c.subarray(ENCRYPTION_HEADER_SIZE, ENCRYPTION_HEADER_SIZE + 64).map((x, i) => x ^ plaintext[i]!);
    expect(keystream(a)).not.toEqual(keystream(b));
  });

  it("convergent mode refuses a non-zero salt", () => {
    const salt = new Uint8Array(16).fill(1);
    expect(() => createEncryptionHeader({ key: generateFileKey(), mode: "convergent", plaintextSize: 1, salt })).toThrow(EncryptionError);
  });
});

describe("attacks and damage: each a specific error naming the segment", async () => {
  const key = generateFileKey();
  const plaintext = random(4 * S + 100); // 5 segments, the last one short
  const ciphertext = await encryptBytes({ key, mode: "private", plaintext, segmentSize: S });
  const count = 5;
  const decrypt = (bytes: Uint8Array, k = key) => decryptBytes({ key: k, ciphertext: bytes });

  it("wrong key → WrongKey", async () => {
    await expectFailure(decrypt(ciphertext, generateFileKey()), "WrongKey");
    await expectFailure(decrypt(ciphertext, new Uint8Array(31)), "InvalidKey");
  });

  it.each([0, 1, 2, 3, 4])("a flipped bit in segment %i → SegmentTampered naming it", async (segment) => {
    const last = segment === count - 1 ? 100 + 15 : S + 15; // the last byte of the segment's tag
    for (const offset of [0, Math.floor(last / 2), last]) {
      const tampered = ciphertext.slice();
      tampered[segmentOffset(segment) + offset]! ^= 0x10;
      const error = await expectFailure(decrypt(tampered), "SegmentTampered", segment);
      expect(error.message).toContain(`segment ${segment}`);
    }
  });

  it("streaming yields nothing after the damaged segment, and the segments before it verified", async () => {
    const tampered = ciphertext.slice();
    tampered[segmentOffset(3) + 1]! ^= 1;
    const seen: Uint8Array[] = [];
    const error = await failure(
      (async () => {
        for await (const piece of decryptStream({ key, source: pieces(tampered), concurrency: 1 })) seen.push(piece);
      })(),
    );
    expect(error.code).toBe("SegmentTampered");
    expect(error.segment).toBe(3);
    expect(concatBytes(seen)).toEqual(plaintext.subarray(0, 3 * S));
  });

  it.each([
    ["the last byte", ciphertext.length - 1, "Truncated", count - 1],
    ["the whole last segment", segmentOffset(count - 1), "Truncated", count - 1],
    ["the last two segments", segmentOffset(count - 2), "Truncated", count - 2],
    ["everything after the header", ENCRYPTION_HEADER_SIZE, "Truncated", 0],
    ["inside the header", 50, "Truncated", undefined],
    ["everything", 0, "Truncated", undefined],
  ] as const)("truncated (cut %s) → %s", async (_, length, code, segment) => {
    await expectFailure(decrypt(ciphertext.subarray(0, length)), code, segment);
  });

  it("reordered segments → SegmentOutOfOrder naming where and what", async () => {
    const swapped = ciphertext.slice();
    swapped.set(ciphertext.subarray(segmentOffset(1), segmentOffset(2)), segmentOffset(2));
    swapped.set(ciphertext.subarray(segmentOffset(2), segmentOffset(3)), segmentOffset(1));
    const error = await expectFailure(decrypt(swapped), "SegmentOutOfOrder", 1);
    expect(error.foundIndex).toBe(2);
  });

  it("a dropped middle segment → SegmentOutOfOrder (its successor found in its place)", async () => {
    const dropped = concatBytes([ciphertext.subarray(0, segmentOffset(2)), ciphertext.subarray(segmentOffset(3))]);
    const error = await expectFailure(decrypt(dropped), "SegmentOutOfOrder", 2);
    expect(error.foundIndex).toBe(3);
  });

  it("a full segment cannot pose as the last one: dropping the real last segment of an exact-multiple file is Truncated, not accepted", async () => {
    const exact = await encryptBytes({ key, mode: "private", plaintext: random(3 * S), segmentSize: S });
    await expectFailure(decrypt(exact.subarray(0, segmentOffset(2))), "Truncated", 2);
  });

  it("trailing bytes → TrailingData", async () => {
    await expectFailure(decrypt(concatBytes([ciphertext, new Uint8Array([0])])), "TrailingData");
  });

  it.each([
    ["magic", 0, "NotEncrypted"],
    ["version", 4, "UnsupportedVersion"],
    ["mode (to an unknown value)", 5, "InvalidHeader", 0x04],
    ["mode (private → convergent)", 5, "HeaderTampered", 0x03],
    ["reserved byte", 6, "InvalidHeader"],
    ["segment size (to another valid size)", 10, "HeaderTampered", 0x0c],
    ["segment size (to an invalid one)", 11, "InvalidHeader"],
    ["plaintext size", 19, "HeaderTampered"],
    ["salt", 25, "WrongKey"],
    ["key check", 40, "WrongKey"],
    ["header MAC", 90, "HeaderTampered"],
  ] as [string, number, EncryptionErrorCode, number?][])("header tampering: %s → %s", async (_, offset, code, mask = 0x01) => {
    const tampered = ciphertext.slice();
    tampered[offset]! ^= mask;
    await expectFailure(decrypt(tampered), code);
  });

  it("verifyEncryptionHeader returns the authenticated fields", () => {
    const header = verifyEncryptionHeader({ header: ciphertext.subarray(0, ENCRYPTION_HEADER_SIZE), key });
    expect(header).toMatchObject({ version: 1, mode: "private", segmentSize: S, plaintextSize: plaintext.length });
  });

  it("encrypting fewer or more bytes than announced → SizeMismatch", async () => {
    await expectFailure(collect(encryptStream({ key, mode: "private", plaintextSize: 10, source: [random(9)], segmentSize: S })), "SizeMismatch", 0);
    await expectFailure(collect(encryptStream({ key, mode: "private", plaintextSize: 2 * S, source: [random(S + 1)], segmentSize: S })), "SizeMismatch", 1);
    await expectFailure(collect(encryptStream({ key, mode: "private", plaintextSize: 10, source: [random(11)], segmentSize: S })), "SizeMismatch");
  });

  it("bad parameters → InvalidParameter / InvalidKey", () => {
    expect(() => createEncryptionHeader({ key, mode: "private", plaintextSize: 1, segmentSize: 1000 })).toThrow(/power of two/);
    expect(() => createEncryptionHeader({ key, mode: "private", plaintextSize: -1 })).toThrow(/non-negative/);
    expect(() => createEncryptionHeader({ key: new Uint8Array(16), mode: "private", plaintextSize: 1 })).toThrow(/32 bytes/);
  });
});
