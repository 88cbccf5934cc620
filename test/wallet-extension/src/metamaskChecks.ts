/**
 * MetaMask's own checks, applied by the test wallet to every sign-in and typed-data request so a
 * test fails where MetaMask would warn:
 *   • personal_sign: `detectSIWE` and `isValidSIWEOrigin` from @metamask/controller-utils (the
 *     signature controller's "this site is asking you to sign in to another domain" alert), and
 *     the message's address against the signing account (MetaMask's account-mismatch alert);
 *   • eth_signTypedData_v4: the required fields of @metamask/eth-sig-util's TYPED_MESSAGE_SCHEMA
 *     (as the signature controller validates them), a verifyingContract that is an address, and
 *     the EIP-712 hash computed by eth-sig-util (MetaMask's signer) equal to viem's (this wallet's).
 * The origin is what MetaMask assigns: `new URL(sender.url).origin`, `chrome-extension://<id>` for
 * a request from another extension (metamask-controller's setupProviderConnection).
 */
// The module itself, not the package index: the index also loads network and ENS helpers whose
// top-level code does not run in a service worker. Same functions MetaMask calls.
import { detectSIWE, isValidSIWEOrigin } from "../../../node_modules/@metamask/controller-utils/dist/siwe.mjs";
import { SignTypedDataVersion, TYPED_MESSAGE_SCHEMA, TypedDataUtils, type MessageTypes, type TypedMessage } from "@metamask/eth-sig-util";
import { bytesToHex, hashTypedData, type TypedDataDefinition } from "viem";

/** Why MetaMask would flag this personal_sign request, or null. */
export function signInProblem({ origin, from, data }: { origin: string; from: string; data: string }): string | null {
  const siwe = detectSIWE({ data });
  if (!siwe.isSIWEMessage) return null;
  if (!isValidSIWEOrigin({ from, origin, siwe })) {
    return `sign-in request for domain "${siwe.parsedMessage.domain}" comes from ${origin}: MetaMask warns that the request does not come from the site it names`;
  }
  if (siwe.parsedMessage.address.toLowerCase() !== from.toLowerCase()) {
    return `sign-in message names account ${siwe.parsedMessage.address}, the request signs with ${from}`;
  }
  return null;
}

/** Why MetaMask would refuse this eth_signTypedData_v4 payload, or null. */
export function typedDataProblem({ raw, parsed }: { raw: unknown; parsed: TypedDataDefinition }): string | null {
  let data: unknown = raw;
  if (typeof raw === "string") {
    try {
      data = JSON.parse(raw);
    } catch {
      return "typed data is not valid JSON";
    }
  }
  const typed = data as Partial<TypedMessage<MessageTypes>>;
  for (const key of TYPED_MESSAGE_SCHEMA.required) {
    if (!typed || typeof typed !== "object" || !(key in typed)) return `typed data lacks "${key}"`;
  }
  const contract = (typed.domain as { verifyingContract?: unknown } | undefined)?.verifyingContract;
  if (contract !== undefined && !(typeof contract === "string" && /^0x[0-9a-fA-F]{40}$/.test(contract))) {
    return `verifyingContract ${String(contract)} is not an address`;
  }
  let theirs: string;
  try {
    theirs = bytesToHex(TypedDataUtils.eip712Hash(typed as TypedMessage<MessageTypes>, SignTypedDataVersion.V4));
  } catch (error) {
    return `eth-sig-util cannot encode the typed data: ${error instanceof Error ? error.message : String(error)}`;
  }
  const ours = hashTypedData(parsed);
  return theirs.toLowerCase() === ours.toLowerCase() ? null : `typed data hashes differently in MetaMask (${theirs}) than here (${ours})`;
}
