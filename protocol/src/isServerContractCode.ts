import { type Hex, hexToBytes } from "viem";
import { serverContractDeployedBytecode, serverContractImmutableRanges } from "./contract/serverContractRuntime.ts";

const expected = hexToBytes(serverContractDeployedBytecode);

/**
 * Whether `code` (from eth_getCode) is the compiled ServerContract, ignoring only the immutables the
 * constructor fills in. A provider could otherwise point clients at a look-alike contract whose
 * `pay` keeps the money and whose penalties never pay out, while every signature still checks.
 */
export function isServerContractCode(code: Hex | undefined): boolean {
  if (!code) return false;
  const actual = hexToBytes(code);
  if (actual.length !== expected.length) return false;
  let range = 0;
  for (let i = 0; i < expected.length; i++) {
    const r = serverContractImmutableRanges[range];
    if (r && i >= r[0]) {
      if (i < r[0] + r[1]) continue;
      range += 1;
      const next = serverContractImmutableRanges[range];
      if (next && i >= next[0] && i < next[0] + next[1]) continue;
    }
    if (actual[i] !== expected[i]) return false;
  }
  return true;
}
