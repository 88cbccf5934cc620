// ComputeContract's constructor parameters: public chains get windows long enough for a client to
// verify and a provider to answer (days); local development short ones.
export type ComputeParams = {
  verifyWindow: bigint;
  responseWindow: bigint;
  challengeCooldown: bigint;
  challengeBond: bigint;
};

const DAY = 86_400n;

export const computePublicChainParams: ComputeParams = {
  verifyWindow: 3n * DAY,
  responseWindow: DAY,
  challengeCooldown: DAY,
  challengeBond: 2_000_000_000_000_000n,
};

export const computeLocalDevParams: ComputeParams = {
  verifyWindow: 300n,
  responseWindow: 60n,
  challengeCooldown: 30n,
  challengeBond: 1_000_000_000_000_000n,
};
