// The source of the provider's fast kernel: a WebAssembly text module, generated here rather than
// written by hand, that multiplies matrices over GF(2^31 − 1) with 128-bit SIMD.
//
// `npm run wasm:sync` compiles this text (wabt) into ./matmulWasmBinary.ts; a test checks that the
// committed binary is what this function produces, so the binary is never edited by hand.
//
//   matmul(a, b, c, m, n, kb, cs): for i < m, j < n
//     c[i·cs + 4j] (u32) = Σ_t a[i·kb + 4t] · b[j·kb + 4t] mod p        (t < kb / 4)
// i.e. a holds m lines of A and b holds n lines of Bᵀ (the columns of B), kb bytes each (a multiple
// of 32: matrix-file lines are whole 1024-byte chunks), elements < p; cs is the byte stride of C's
// lines. All offsets are bytes in the module's memory. A second export, `combine`, forms a linear
// combination of lines (B·r for B stored by columns, in Freivalds' check).
//
// Arithmetic: `i64x2.extmul_{low,high}_i32x4_u` multiplies two u32 lanes into u64 lanes (one
// pmuludq on x64). Four products (< 2^62 each) still sum below 2^64, so per 8 elements each 64-bit
// lane takes four products, is folded once with the Mersenne reduction (x & p) + (x >> 31) < 2^34,
// and added to the accumulator (which then stays below 2^55 for any line up to 2^24 elements).
// Blocking: a 2×4 tile of C at a time (eight accumulators): each element of A loaded feeds four
// products, each element of B two. Four columns of B (four lines of Bᵀ) are multiplied against a
// panel of A rows (the JavaScript side keeps a panel within ~256 KiB, i.e. in L2) before the next
// four.

const P = 2147483647;
const COLUMNS = 4;
const ROWS = 2;

const local = (name: string, type: string) => `(local $${name} ${type})`;
const range = (n: number) => Array.from({ length: n }, (_, q) => q);

/**
 * The i-loop over rows of A, `rows` rows at a time (from the current $i while $i + rows ≤ m), for
 * `width` consecutive columns starting at column $j: rows × width accumulators, each element of A
 * loaded once per `width` products and each element of B once per `rows`.
 */
function tile(rows: number, width: number, label: string): string {
  const q = range(width);
  const r = range(rows);
  const acc = (ri: number, x: number) => `$acc${ri}_${x}`;
  const aPtr = (ri: number) => (ri === 0 ? "(local.get $pa)" : "(i32.add (local.get $pa) (local.get $kb))");
  return `
      (block $done${label}
        (loop $loop${label}
          (br_if $done${label} (i32.gt_u (i32.add (local.get $i) (i32.const ${rows})) (local.get $m)))
          ${r.flatMap((ri) => q.map((x) => `(local.set ${acc(ri, x)} (v128.const i64x2 0 0))`)).join("\n          ")}
          (local.set $pa1 (i32.add (local.get $pa) (local.get $kb)))
          (local.set $kk (i32.const 0))
          (loop $k${label}
            ${r
              .map(
                (ri) => `(local.set $va${2 * ri} (v128.load (i32.add (local.get ${ri === 0 ? "$pa" : "$pa1"}) (local.get $kk))))
            (local.set $va${2 * ri + 1} (v128.load offset=16 (i32.add (local.get ${ri === 0 ? "$pa" : "$pa1"}) (local.get $kk))))`,
              )
              .join("\n            ")}
            ${q
              .map(
                (x) => `(local.set $vb0 (v128.load (i32.add (local.get $pb${x}) (local.get $kk))))
            (local.set $vb1 (v128.load offset=16 (i32.add (local.get $pb${x}) (local.get $kk))))
            ${r
              .map(
                (ri) => `(local.set $t (i64x2.add
              (i64x2.add (i64x2.extmul_low_i32x4_u (local.get $va${2 * ri}) (local.get $vb0)) (i64x2.extmul_high_i32x4_u (local.get $va${2 * ri}) (local.get $vb0)))
              (i64x2.add (i64x2.extmul_low_i32x4_u (local.get $va${2 * ri + 1}) (local.get $vb1)) (i64x2.extmul_high_i32x4_u (local.get $va${2 * ri + 1}) (local.get $vb1)))))
            (local.set ${acc(ri, x)} (i64x2.add (local.get ${acc(ri, x)})
              (i64x2.add (v128.and (local.get $t) (v128.const i64x2 ${P} ${P})) (i64x2.shr_u (local.get $t) (i32.const 31)))))`,
              )
              .join("\n            ")}`,
              )
              .join("\n            ")}
            (local.set $kk (i32.add (local.get $kk) (i32.const 32)))
            (br_if $k${label} (i32.lt_u (local.get $kk) (local.get $kb))))
          ${r
            .flatMap((ri) =>
              q.map((x) => `(i32.store offset=${4 * x} ${ri === 0 ? "(local.get $pc)" : "(i32.add (local.get $pc) (local.get $cs))"} (call $reduce (local.get ${acc(ri, x)})))`),
            )
            .join("\n          ")}
          (local.set $pa (i32.add (local.get $pa) (i32.mul (local.get $kb) (i32.const ${rows}))))
          (local.set $pc (i32.add (local.get $pc) (i32.mul (local.get $cs) (i32.const ${rows}))))
          (local.set $i (i32.add (local.get $i) (i32.const ${rows})))
          (br $loop${label})))`;
}

/** All rows of A for `width` consecutive columns starting at column $j: 2-row tiles, then a last single row. */
function columnBlock(width: number): string {
  const q = range(width);
  return `
      ${q.map((x) => `(local.set $pb${x} (i32.add (local.get $b) (i32.mul (i32.add (local.get $j) (i32.const ${x})) (local.get $kb))))`).join("\n      ")}
      (local.set $i (i32.const 0))
      (local.set $pa (local.get $a))
      (local.set $pc (i32.add (local.get $c) (i32.shl (local.get $j) (i32.const 2))))
      ${width > 1 ? tile(ROWS, width, `r${ROWS}w${width}`) : ""}
      ${tile(1, width, `r1w${width}`)}`;
}

/** The WebAssembly text of the matmul kernel. */
export function renderMatmulWat(): string {
  const q = range(COLUMNS);
  return `(module
  (memory (export "memory") 1)
  ;; Σ of both 64-bit lanes, reduced to 0..p−1.
  (func $reduce (param $v v128) (result i32)
    (local $s i64)
    (local.set $s (i64.add (i64x2.extract_lane 0 (local.get $v)) (i64x2.extract_lane 1 (local.get $v))))
    (local.set $s (i64.add (i64.and (local.get $s) (i64.const ${P})) (i64.shr_u (local.get $s) (i64.const 31))))
    (local.set $s (i64.add (i64.and (local.get $s) (i64.const ${P})) (i64.shr_u (local.get $s) (i64.const 31))))
    (if (i64.ge_u (local.get $s) (i64.const ${P})) (then (local.set $s (i64.sub (local.get $s) (i64.const ${P})))))
    (i32.wrap_i64 (local.get $s)))
  (func (export "matmul") (param $a i32) (param $b i32) (param $c i32) (param $m i32) (param $n i32) (param $kb i32) (param $cs i32)
    ${[local("i", "i32"), local("j", "i32"), local("kk", "i32"), local("pa", "i32"), local("pc", "i32"), ...q.map((x) => local(`pb${x}`, "i32"))].join(" ")}
    ${[...range(ROWS).flatMap((ri) => q.map((x) => local(`acc${ri}_${x}`, "v128"))), ...range(2 * ROWS).map((v) => local(`va${v}`, "v128")), local("vb0", "v128"), local("vb1", "v128"), local("t", "v128"), local("pa1", "i32")].join(" ")}
    (local.set $j (i32.const 0))
    (block $jdone
      (loop $jloop
        (br_if $jdone (i32.gt_u (i32.add (local.get $j) (i32.const ${COLUMNS})) (local.get $n)))
        ${columnBlock(COLUMNS)}
        (local.set $j (i32.add (local.get $j) (i32.const ${COLUMNS})))
        (br $jloop)))
    (block $rdone
      (loop $rloop
        (br_if $rdone (i32.ge_u (local.get $j) (local.get $n)))
        ${columnBlock(1)}
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $rloop))))
  ;; combine(src, count, lb, sb, coef, acc): for j < count, t < lb / 4:
  ;;   acc[t] (u64) = fold(acc[t] + coef[j] · src[j·sb + 4t])    (a linear combination of lines)
  ;; acc must start below 2^34 (e.g. zero) and stays below 2^34; reduce mod p at the end.
  (func (export "combine") (param $src i32) (param $count i32) (param $lb i32) (param $sb i32) (param $coef i32) (param $acc i32)
    (local $j i32) (local $t i32) (local $p i32) (local $q i32) (local $c v128) (local $v v128)
    (local.set $j (i32.const 0))
    (block $done
      (loop $lines
        (br_if $done (i32.ge_u (local.get $j) (local.get $count)))
        (local.set $c (i32x4.splat (i32.load (i32.add (local.get $coef) (i32.shl (local.get $j) (i32.const 2))))))
        (local.set $p (i32.add (local.get $src) (i32.mul (local.get $j) (local.get $sb))))
        (local.set $t (i32.const 0))
        (loop $elements
          (local.set $v (v128.load (i32.add (local.get $p) (local.get $t))))
          (local.set $q (i32.add (local.get $acc) (i32.shl (local.get $t) (i32.const 1))))
          (v128.store (local.get $q) (call $fold (i64x2.add (v128.load (local.get $q)) (i64x2.extmul_low_i32x4_u (local.get $v) (local.get $c)))))
          (v128.store offset=16 (local.get $q) (call $fold (i64x2.add (v128.load offset=16 (local.get $q)) (i64x2.extmul_high_i32x4_u (local.get $v) (local.get $c)))))
          (local.set $t (i32.add (local.get $t) (i32.const 16)))
          (br_if $elements (i32.lt_u (local.get $t) (local.get $lb))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $lines))))
  (func $fold (param $x v128) (result v128)
    (i64x2.add (v128.and (local.get $x) (v128.const i64x2 ${P} ${P})) (i64x2.shr_u (local.get $x) (i32.const 31))))
)
`;
}
