// Seed step 8: does the account hold enough to pay? balance ≥ price + gas × maxFeePerGas.
// Pure bigint arithmetic (the background reads the figures from the chain and the wallet).

/** Gas used for `pay` when estimation fails (e.g. because the balance cannot even cover the price). */
export const FALLBACK_PAY_GAS = 150_000n;

export type BalanceCheckInput = {
  balance: bigint;
  price: bigint;
  /** estimateContractGas for pay(quote, signature) with value = price. */
  gasEstimate: bigint;
  /** The fee cap the wallet will use (EIP-1559 maxFeePerGas, or gasPrice on legacy chains). */
  maxFeePerGas: bigint;
};

export type BalanceCheck = {
  gasCost: bigint;
  required: bigint;
  shortfall: bigint;
  sufficient: boolean;
};

export function checkBalance({ balance, price, gasEstimate, maxFeePerGas }: BalanceCheckInput): BalanceCheck {
  for (const [name, value] of Object.entries({ balance, price, gasEstimate, maxFeePerGas })) {
    if (typeof value !== "bigint" || value < 0n) throw new RangeError(`${name} must be a non-negative bigint`);
  }
  const gasCost = gasEstimate * maxFeePerGas;
  const required = price + gasCost;
  const shortfall = balance >= required ? 0n : required - balance;
  return { gasCost, required, shortfall, sufficient: shortfall === 0n };
}
