// Order states exactly as the contract's `OrderState` enum numbers them.
export const orderStates = [
  "None",
  "Paid",
  "DeliveryDisputed",
  "Challenged",
  "Settled",
  "Refunded",
  "Penalized",
  "Completed",
] as const;

export type OrderState = (typeof orderStates)[number];

export const OrderState = Object.fromEntries(orderStates.map((name, index) => [name, index])) as {
  readonly [K in OrderState]: number;
};

export function orderStateName(value: number | bigint): OrderState {
  const name = orderStates[Number(value)];
  if (name === undefined) throw new RangeError(`unknown order state ${value}`);
  return name;
}

/** States after which nothing more can happen to an order. */
export const finalOrderStates: readonly OrderState[] = ["Refunded", "Penalized", "Completed"];
