// Provider URL handling (used by the UI pages too).
import { humanError, UserFacingError } from "./errors.ts";

/** "https://host:port/some/path/" → "https://host:port/some/path" (no trailing slash). */
export function normalizeBaseUrl(input: string): { baseUrl: string; origin: string } {
  let text = input.trim();
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) text = `https://${text}`;
  const url = new URL(text);
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("The provider URL must start with http:// or https://");
  url.hash = "";
  url.search = "";
  const path = url.pathname.replace(/\/+$/, "").replace(/\/v1$/, "");
  return { baseUrl: `${url.origin}${path}`, origin: url.origin };
}

/**
 * The provider's address as typed: a scheme is required (no silent https), and the answer says in
 * words what is wrong with a garbled one.
 */
export function normalizeProviderUrl(url: string): { baseUrl: string; origin: string } {
  const trimmed = url.trim();
  if (!trimmed) throw new UserFacingError(humanError("BadUrl", "Address needed", "Enter the provider's address, e.g. https://storage.example.com", "none"));
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) {
    throw new UserFacingError(
      humanError("UrlWithoutScheme", "Address incomplete", `Start the address with https:// (or http:// for a provider on this computer), e.g. https://${trimmed.replace(/^\/+/, "")}`, "none"),
    );
  }
  try {
    return normalizeBaseUrl(trimmed);
  } catch {
    throw new UserFacingError(humanError("BadUrl", "Not a web address", `"${trimmed.slice(0, 80)}" is not a valid web address. Check it for typos, e.g. https://storage.example.com`, "none"));
  }
}

