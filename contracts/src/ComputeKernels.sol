// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title ComputeKernels
 * @notice The kernels of compute jobs, by id, and where the pieces proving one output item sit in
 * the `PKMX` matrix files (docs/protocol-notes.md, "Compute jobs"). Adding a kernel = one id, its
 * dimension rule, its piece locations and one item checker here, plus its TypeScript
 * implementation in protocol/src/compute.
 *
 * Files: lines of little-endian u32 elements (< p), each line padded to a power-of-two number of
 * 1024-byte chunks, then a 32-byte trailer. A line is an aligned subtree of the file's RFC 6962
 * tree; seen at that level the tree has `lines + 1` leaves (the trailer is the last).
 */
library ComputeKernels {
    /// @notice The field of every kernel: the Mersenne prime 2^31 − 1.
    uint256 internal constant P = 2147483647;
    uint8 internal constant MATMUL = 1;
    uint8 internal constant POLY_EVAL = 2;
    uint256 internal constant MAX_DIM = 1 << 24;
    /// The inner dimension is sent whole in a fraud proof (a row of A and a column of B): 2^15
    /// elements keep the proof near 256 KiB of calldata, inside one transaction's gas cap.
    uint256 internal constant MAX_K = 1 << 15;
    uint256 internal constant CHUNK = 1024;
    uint256 internal constant PER_CHUNK = 256;
    uint256 internal constant TRAILER = 32;

    /// A proven piece of a file: `unitChunks` chunks at `index · unitChunks`, in a tree of `units` leaves.
    struct Piece {
        uint256 unitChunks;
        uint256 index;
        uint256 units;
    }

    /// @notice Whether `kernel` is known and m, k, n fit it (m, n in 1..2^24, k in 1..2^15; polyEval has m = 1).
    function validJob(uint8 kernel, uint256 m, uint256 k, uint256 n) internal pure returns (bool) {
        if (m == 0 || k == 0 || n == 0 || m > MAX_DIM || k > MAX_K || n > MAX_DIM) return false;
        if (kernel == MATMUL) return true;
        if (kernel == POLY_EVAL) return m == 1;
        return false;
    }

    /// @notice Chunks of one stored line of `len` elements: ⌈len / 256⌉ rounded up to a power of two.
    function lineChunks(uint256 len) internal pure returns (uint256 s) {
        uint256 chunks = (len + PER_CHUNK - 1) / PER_CHUNK;
        s = 1;
        while (s < chunks) s <<= 1;
    }

    /// @notice Size of the result file: an m×n matrix stored by rows (both kernels).
    function resultSize(uint256 m, uint256 n) internal pure returns (uint256) {
        return m * lineChunks(n) * CHUNK + TRAILER;
    }

    /// @notice The pieces of A, B and the result that prove output item (i, j).
    function pieces(uint8 kernel, uint256 m, uint256 k, uint256 n, uint256 i, uint256 j)
        internal
        pure
        returns (Piece memory a, Piece memory b, Piece memory c)
    {
        uint256 sk = lineChunks(k);
        uint256 sn = lineChunks(n);
        // The result: m rows of sn chunks; item (i, j) sits in one chunk.
        c = Piece({unitChunks: 1, index: i * sn + j / PER_CHUNK, units: m * sn + 1});
        if (kernel == MATMUL) {
            // A: m rows of k; B stored transposed: n lines (its columns) of k.
            a = Piece({unitChunks: sk, index: i, units: m + 1});
            b = Piece({unitChunks: sk, index: j, units: n + 1});
        } else {
            // polyEval: the whole coefficient line, and the chunk of points holding x_j.
            a = Piece({unitChunks: sk, index: 0, units: 2});
            b = Piece({unitChunks: 1, index: j / PER_CHUNK, units: sn + 1});
        }
    }

    /// @notice The correct value of item (i, j) from its proven input pieces.
    function item(uint8 kernel, uint256 k, uint256 j, bytes calldata aData, bytes calldata bData)
        internal
        pure
        returns (uint256)
    {
        if (kernel == MATMUL) return dot(aData, bData, k);
        return horner(aData, k, u32At(bData, j % PER_CHUNK));
    }

    /// @notice Σ_{t<k} a_t·b_t mod p over two lines of little-endian u32 (8 elements per word).
    function dot(bytes calldata a, bytes calldata b, uint256 k) internal pure returns (uint256 s) {
        assembly ("memory-safe") {
            // Each product is < 2^64 and k ≤ 2^24: the sum never leaves 256 bits; reduce once.
            let m1 := 0x00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff
            let m2 := 0x0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff
            let l := 0xffffffff
            let pa := a.offset
            let pb := b.offset
            let words := shr(3, k)
            for { let w := 0 } lt(w, words) { w := add(w, 1) } {
                let o := shl(5, w)
                let x := calldataload(add(pa, o))
                let y := calldataload(add(pb, o))
                // Little-endian lanes to numbers: swap the bytes within each 32-bit lane.
                x := or(and(shr(8, x), m1), shl(8, and(x, m1)))
                x := or(and(shr(16, x), m2), shl(16, and(x, m2)))
                y := or(and(shr(8, y), m1), shl(8, and(y, m1)))
                y := or(and(shr(16, y), m2), shl(16, and(y, m2)))
                s := add(s, mul(and(x, l), and(y, l)))
                s := add(s, mul(and(shr(32, x), l), and(shr(32, y), l)))
                s := add(s, mul(and(shr(64, x), l), and(shr(64, y), l)))
                s := add(s, mul(and(shr(96, x), l), and(shr(96, y), l)))
                s := add(s, mul(and(shr(128, x), l), and(shr(128, y), l)))
                s := add(s, mul(and(shr(160, x), l), and(shr(160, y), l)))
                s := add(s, mul(and(shr(192, x), l), and(shr(192, y), l)))
                s := add(s, mul(shr(224, x), shr(224, y)))
            }
            // The last 1..7 elements (element e of a word is its bits 224 − 32e and up).
            let rest := and(k, 7)
            if rest {
                let o := shl(5, words)
                let x := calldataload(add(pa, o))
                let y := calldataload(add(pb, o))
                x := or(and(shr(8, x), m1), shl(8, and(x, m1)))
                x := or(and(shr(16, x), m2), shl(16, and(x, m2)))
                y := or(and(shr(8, y), m1), shl(8, and(y, m1)))
                y := or(and(shr(16, y), m2), shl(16, and(y, m2)))
                for { let e := 0 } lt(e, rest) { e := add(e, 1) } {
                    let sh := sub(224, shl(5, e))
                    s := add(s, mul(and(shr(sh, x), l), and(shr(sh, y), l)))
                }
            }
            s := mod(s, 2147483647)
        }
    }

    /// @notice c_0 + c_1·x + … + c_{k−1}·x^{k−1} mod p (Horner), coefficients little-endian u32.
    function horner(bytes calldata coefficients, uint256 k, uint256 x) internal pure returns (uint256 acc) {
        for (uint256 t = k; t > 0; --t) {
            acc = addmod(mulmod(acc, x, P), u32At(coefficients, t - 1), P);
        }
    }

    /// @notice Element `index` (little-endian u32) of `data`.
    function u32At(bytes calldata data, uint256 index) internal pure returns (uint256 v) {
        assembly ("memory-safe") {
            let w := shr(224, calldataload(add(data.offset, shl(2, index))))
            v := or(or(shl(24, and(w, 0xff)), shl(8, and(w, 0xff00))), or(and(shr(8, w), 0xff00), shr(24, w)))
        }
    }
}
