import type { Hex, LocalAccount } from "viem";
import { createSiweMessage } from "viem/siwe";
import { createProviderClient, type ProviderClient } from "./providerClient.ts";

export type SiweOverrides = {
  domain?: string;
  uri?: string;
  chainId?: number;
  nonce?: string;
  expirationTime?: Date;
  notBefore?: Date;
  address?: Hex;
};

/** An EIP-4361 message for this provider, signed by `account` (fields overridable for bad-input tests). */
export async function signedSiweMessage({
  baseUrl,
  account,
  client,
  overrides = {},
}: {
  baseUrl: string;
  account: LocalAccount;
  client: ProviderClient;
  overrides?: SiweOverrides;
}): Promise<{ message: string; signature: Hex }> {
  const url = new URL(baseUrl);
  const nonce = overrides.nonce ?? (await client.nonce()).nonce;
  const message = createSiweMessage({
    domain: overrides.domain ?? url.host,
    address: overrides.address ?? account.address,
    statement: "Sign in to the Pekanu storage provider.",
    uri: overrides.uri ?? url.origin,
    version: "1",
    chainId: overrides.chainId ?? 31337,
    nonce,
    issuedAt: new Date(),
    expirationTime: overrides.expirationTime,
    notBefore: overrides.notBefore,
  });
  const signature = await account.signMessage({ message });
  return { message, signature };
}

/** Signs in and returns a client SDK holding the session token. */
export async function signIn({ baseUrl, account }: { baseUrl: string; account: LocalAccount }): Promise<ProviderClient & { token: string }> {
  const client = createProviderClient({ baseUrl });
  const { token } = await client.session(await signedSiweMessage({ baseUrl, account, client }));
  client.setToken(token);
  return Object.assign(client, { token });
}
