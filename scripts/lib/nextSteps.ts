// What `npm start` and `npm run start:cluster` print once the stack is up: the development
// accounts (Hardhat's public mnemonic) and the next steps, the same for both.
import { bytesToHex, formatEther } from "viem";
import { mnemonicToAccount } from "viem/accounts";

// Hardhat's well-known development mnemonic: every account is funded with 10,000 ETH on the local
// chain. These keys are public — never use them anywhere else.
const DEV_MNEMONIC = "test test test test test test test test test test test junk";

/** Development account `index` of the public mnemonic (0 = provider owner, 1 = signer, 2… = clients). */
export function devKey(index: number): { address: `0x${string}`; privateKey: `0x${string}` } {
  const account = mnemonicToAccount(DEV_MNEMONIC, { addressIndex: index });
  return { address: account.address, privateKey: bytesToHex(account.getHdKey().privateKey!) };
}

/** Prints the banner, the addresses and the next steps. */
export function printNextSteps({
  say,
  title = "Pekanu local stack is up",
  providerUrl,
  rpcUrl,
  chainId,
  contractAddress,
  stake,
  extensionDir,
  extra = [],
  restartHint,
}: {
  say: (line?: string) => void;
  title?: string;
  providerUrl: string;
  rpcUrl: string;
  chainId: number;
  contractAddress: string;
  stake: readonly [bigint, bigint] | undefined;
  extensionDir: string | undefined;
  /** More lines after the addresses (e.g. the cluster's parts). */
  extra?: string[];
  restartHint: string;
}): void {
  say();
  say(`════════════════════════ ${title} ════════════════════════`);
  say(`Provider server   ${providerUrl}   (status page: ${providerUrl}/)`);
  say(`Chain RPC         ${rpcUrl}   chain id ${chainId}`);
  say(`ServerContract    ${contractAddress}${stake ? `   stake ${formatEther(stake[0])} ETH (${formatEther(stake[1])} locked)` : ""}`);
  for (const line of extra) say(line);
  say();
  say("Next steps:");
  if (extensionDir) {
    say(`  1. Open chrome://extensions, turn on Developer mode, "Load unpacked" and pick:`);
    say(`       ${extensionDir}`);
  } else {
    say("  1. Build the extension with `npm run build -w @pekanu/extension`, then load extension/build/chrome-mv3-prod unpacked");
  }
  say(`  2. In your wallet (MetaMask), add the network: RPC URL ${rpcUrl}, chain id ${chainId}, currency ETH`);
  say("  3. Import one of these funded development accounts (public keys — local use only):");
  for (const index of [2, 3, 4, 5]) {
    const account = devKey(index);
    say(`       ${account.address}   ${account.privateKey}`);
  }
  say(`  4. Open the Pekanu extension and connect to the provider at ${providerUrl}`);
  say(restartHint);
  say("READY");
}
