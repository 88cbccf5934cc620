// The EIP-4361 (Sign-In with Ethereum) message Pekanu asks the wallet to sign.
//
// MetaMask names a request from another extension by that extension's origin
// (`new URL(sender.url).origin` = `chrome-extension://<id>`, metamask-controller's
// setupProviderConnection) and warns when the message's `domain` host differs from that origin's
// host (`isValidSIWEOrigin` in @metamask/controller-utils). So the domain is the Pekanu extension's
// id, and the provider binds the session to its own URI (`uri`), chain and nonce. viem's
// createSiweMessage refuses a host without a top-level domain, hence this formatter.
import type { Address } from "viem";

export type SignInMessageParameters = {
  /** The requesting extension's host: its id (what MetaMask compares). */
  domain: string;
  address: Address;
  statement: string;
  /** The provider's base URL: the session is bound to it. */
  uri: string;
  chainId: number;
  nonce: string;
  issuedAt: Date;
  expirationTime: Date;
};

export class SignInMessageError extends Error {
  constructor(field: string) {
    super(`invalid sign-in message field: ${field}`);
    this.name = "SignInMessageError";
  }
}

export function createSignInMessage({ domain, address, statement, uri, chainId, nonce, issuedAt, expirationTime }: SignInMessageParameters): string {
  // RFC 3986 reg-name (an extension id is 32 letters a–p), optional port.
  if (!/^[A-Za-z0-9._~-]+(:\d{1,5})?$/.test(domain)) throw new SignInMessageError("domain");
  if (!/^0x[0-9a-fA-F]{40}$/.test(address)) throw new SignInMessageError("address");
  if (/\n/.test(statement)) throw new SignInMessageError("statement");
  if (!/^[A-Za-z0-9]{8,}$/.test(nonce)) throw new SignInMessageError("nonce");
  if (!Number.isInteger(chainId) || chainId <= 0) throw new SignInMessageError("chainId");
  try {
    new URL(uri);
  } catch {
    throw new SignInMessageError("uri");
  }
  return [
    `${domain} wants you to sign in with your Ethereum account:`,
    address,
    "",
    statement,
    "",
    `URI: ${uri}`,
    "Version: 1",
    `Chain ID: ${chainId}`,
    `Nonce: ${nonce}`,
    `Issued At: ${issuedAt.toISOString()}`,
    `Expiration Time: ${expirationTime.toISOString()}`,
  ].join("\n");
}
