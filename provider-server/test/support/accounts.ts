// Hardhat node's default accounts (mnemonic "test test … junk", 10000 ETH each).
import { type Hex, toHex } from "viem";
import { mnemonicToAccount, privateKeyToAccount } from "viem/accounts";

export const HARDHAT_MNEMONIC = "test test test test test test test test test test test junk";

/** Private key of default account `index`. */
export function testKey(index: number): Hex {
  const key = mnemonicToAccount(HARDHAT_MNEMONIC, { addressIndex: index }).getHdKey().privateKey;
  if (!key) throw new Error("no private key");
  return toHex(key);
}

export function testAccount(index: number) {
  return privateKeyToAccount(testKey(index));
}
