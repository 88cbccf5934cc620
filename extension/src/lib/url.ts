// Provider URL handling (no dependencies: used by the UI pages too).

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
