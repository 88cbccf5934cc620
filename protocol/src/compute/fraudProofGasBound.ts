import { KERNEL } from "./constants.ts";
import { jobGeometry } from "./jobGeometry.ts";

/**
 * An upper bound on the gas of `proveFraud` for a job of these dimensions (the worst item), so a
 * provider can quote a fine that covers the client's enforcement gas and a client can refuse one
 * that does not. A transaction pays max(EIP-7623 floor, standard calldata + execution); this bound
 * is floor-priced calldata (every byte non-zero) plus a generous execution estimate, which is above
 * both. Tested against the gas the contract actually uses.
 */
export function fraudProofGasBound({ kernel, m, k, n, linkLength = 256 }: { kernel: number; m: number; k: number; n: number; linkLength?: number }): bigint {
  const g = jobGeometry({ kernel, m, k, n });
  const pieces = g.pieces(g.m - 1, g.n - 1);
  const depth = (units: number) => Math.ceil(Math.log2(Math.max(units, 1))) + 1;
  const hashes = depth(pieces.a.units) + depth(pieces.b.units) + depth(pieces.result.units);
  const chunks = pieces.a.unitChunks + pieces.b.unitChunks + pieces.result.unitChunks;
  // selector + quote (12 words) + result + receipt signature + item header, then the pieces.
  const bytes = 4 + 12 * 32 + (4 * 32 + Math.ceil(linkLength / 32) * 32) + 4 * 32 + 10 * 32 + chunks * 1024 + hashes * 32;
  const perElement = kernel === KERNEL.matmul ? 40 : 200; // dot-product lane vs. Horner step (mulmod + addmod + read)
  const execution = 60_000 + chunks * 700 + hashes * 150 + k * perElement;
  return BigInt(21_000 + 40 * bytes + execution);
}
