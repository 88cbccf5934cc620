import { isLocalChain, type ProviderConfig } from "../config.ts";

export type SiweDomains = {
  /** Domains accepted verbatim: this server's host, then the configured extension ids. */
  domains: string[];
  /** Also any Chrome extension id (32 letters a–p): the default on local chains. */
  anyExtension: boolean;
};

/**
 * Which EIP-4361 `domain` a sign-in message may name. A web page signs in with the server's own
 * host; the Pekanu extension signs in with its extension id, because MetaMask compares the domain
 * with the origin of the request (`isValidSIWEOrigin`) and an extension's origin is
 * `chrome-extension://<id>`. The session stays bound to this server by the message's uri (the
 * public URL's origin), chain id and single-use nonce, whatever the domain.
 */
export function siweDomains({ config, chainId }: { config: ProviderConfig; chainId: number }): SiweDomains {
  const ids = config.siweExtensionIds;
  return {
    domains: [config.siweDomain, ...(Array.isArray(ids) ? ids : [])],
    anyExtension: ids === "any" || (ids === "local" && isLocalChain(chainId)),
  };
}

const EXTENSION_ID = /^[a-p]{32}$/;

export function isAcceptedSiweDomain({ accepted, domain }: { accepted: SiweDomains; domain: string }): boolean {
  return accepted.domains.includes(domain) || (accepted.anyExtension && EXTENSION_ID.test(domain));
}

/** Whether a browser Origin is one of the accepted extensions' (CORS for the API). */
export function isAcceptedExtensionOrigin({ accepted, origin }: { accepted: SiweDomains; origin: string }): boolean {
  const match = /^chrome-extension:\/\/([a-p]{32})$/.exec(origin);
  if (!match) return false;
  return accepted.anyExtension || accepted.domains.includes(match[1]!);
}
