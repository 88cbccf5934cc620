import { describe, expect, it } from "vitest";
import { checkBalance } from "./balance.ts";

const gwei = 1_000_000_000n;
const eth = 10n ** 18n;

describe("balance check (seed step 8)", () => {
  it("requires price + gas × maxFeePerGas", () => {
    const r = checkBalance({ balance: eth, price: eth / 100n, gasEstimate: 120_000n, maxFeePerGas: 30n * gwei });
    expect(r.gasCost).toBe(3_600_000n * gwei);
    expect(r.required).toBe(eth / 100n + 3_600_000n * gwei);
    expect(r.shortfall).toBe(0n);
    expect(r.sufficient).toBe(true);
  });

  it("is sufficient at exactly the required amount, short by one wei below it", () => {
    const input = { price: 5n * gwei, gasEstimate: 100_000n, maxFeePerGas: 2n * gwei };
    const required = 5n * gwei + 200_000n * gwei;
    expect(checkBalance({ ...input, balance: required })).toMatchObject({ sufficient: true, shortfall: 0n, required });
    expect(checkBalance({ ...input, balance: required - 1n })).toMatchObject({ sufficient: false, shortfall: 1n });
  });

  it("reports the exact shortfall with an empty account", () => {
    const r = checkBalance({ balance: 0n, price: 7n, gasEstimate: 3n, maxFeePerGas: 11n });
    expect(r).toEqual({ gasCost: 33n, required: 40n, shortfall: 40n, sufficient: false });
  });

  it("stays exact beyond 2^53 (no floating point)", () => {
    const price = 2n ** 70n + 1n;
    const r = checkBalance({ balance: 2n ** 71n, price, gasEstimate: 2n ** 20n, maxFeePerGas: 2n ** 40n });
    expect(r.required).toBe(price + 2n ** 60n);
    expect(r.shortfall).toBe(0n);
    const short = checkBalance({ balance: price, price, gasEstimate: 2n ** 20n, maxFeePerGas: 2n ** 40n });
    expect(short.shortfall).toBe(2n ** 60n);
  });

  it("treats a free chain (maxFeePerGas 0) as gas-free and rejects negative inputs", () => {
    expect(checkBalance({ balance: 10n, price: 10n, gasEstimate: 100_000n, maxFeePerGas: 0n }).sufficient).toBe(true);
    expect(() => checkBalance({ balance: -1n, price: 1n, gasEstimate: 1n, maxFeePerGas: 1n })).toThrow(RangeError);
  });
});
