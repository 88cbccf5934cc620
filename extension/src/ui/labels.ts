import type { Step } from "../lib/flow.ts";

export const stepLabels: Record<Step, string> = {
  connect: "Connect a provider",
  signIn: "Sign in",
  register: "Register",
  registering: "Registration check",
  chooseFile: "Choose a file",
  quote: "Quote",
  pay: "Balance check & payment",
  confirming: "Payment confirmations",
  upload: "Upload",
  verifyReceipt: "Receipt check",
  done: "Stored",
  receiptInvalid: "Receipt invalid",
};

/** The steps in order, for the progress strip (the two terminal ones share a slot). */
export const stepOrder: Step[] = ["connect", "signIn", "register", "registering", "chooseFile", "quote", "pay", "confirming", "upload", "verifyReceipt", "done"];

export function chainName(chainId: number | null): string {
  if (chainId === null) return "unknown network";
  const names: Record<number, string> = { 1: "Ethereum", 11155111: "Sepolia", 17000: "Holesky", 31337: "Local (31337)", 1337: "Local (1337)", 10: "Optimism", 8453: "Base", 42161: "Arbitrum One" };
  return names[chainId] ?? `chain ${chainId}`;
}
