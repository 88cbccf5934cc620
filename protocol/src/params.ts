// The contract's constructor parameters. Public chains get windows long enough for a provider to
// notice and answer (a day); local development gets short ones so the whole lifecycle can be tried
// in minutes.
export type ContractParams = {
  settleDelay: bigint;
  responseWindow: bigint;
  challengeCooldown: bigint;
  challengeBond: bigint;
};

const DAY = 86_400n;

export const publicChainParams: ContractParams = {
  settleDelay: 3n * DAY,
  responseWindow: DAY,
  challengeCooldown: 7n * DAY,
  challengeBond: 2_000_000_000_000_000n, // 0.002 ETH: covers an honest answer's gas at high fees
};

export const localDevParams: ContractParams = {
  settleDelay: 120n,
  responseWindow: 60n,
  challengeCooldown: 30n,
  challengeBond: 1_000_000_000_000_000n, // 0.001 ETH
};

export const MAX_FILE_SIZE = 1024n << 40n;
