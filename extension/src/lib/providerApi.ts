// The provider's HTTP API (protocol/src/api.ts schemas), as the extension calls it. Every answer
// is parsed with the protocol's zod schema; errors become HumanErrors.
import {
  API_PREFIX,
  AUDIT_BATCH_CONTENT_TYPE,
  auditResponse,
  errorBody,
  infoResponse,
  nonceResponse,
  orderResponse,
  quoteResponse,
  receiptResponse,
  registrationResponse,
  sessionResponse,
} from "@pekanu/protocol";
import { apiError, providerErrors, UserFacingError } from "./errors.ts";

type Schema<T> = { safeParse(value: unknown): { success: true; data: T } | { success: false; error: { message: string } } };

export type ProviderApiOptions = {
  baseUrl: string;
  token?: string | null;
  fetch?: typeof fetch;
  /** Milliseconds before a request counts as unreachable (default 20 s). */
  timeoutMs?: number;
};

export { normalizeBaseUrl } from "./url.ts";

export function createProviderApi({ baseUrl, token = null, fetch: fetchImpl = fetch.bind(globalThis), timeoutMs = 20_000 }: ProviderApiOptions) {
  const root = baseUrl.replace(/\/+$/, "");

  async function send(url: string, init: RequestInit, auth: boolean, accept: string): Promise<{ response: Response; bytes: Uint8Array }> {
    const headers = new Headers(init.headers);
    headers.set("Accept", accept);
    if (auth && token) headers.set("Authorization", `Bearer ${token}`);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      const response = await fetchImpl(url, { ...init, headers, signal: init.signal ?? controller.signal });
      // The body is read under the same timeout: a provider that stalls mid-answer is unreachable, not wrong.
      const bytes = new Uint8Array(await response.arrayBuffer());
      return { response, bytes };
    } catch (err) {
      throw new UserFacingError(providerErrors.unreachable(root, err instanceof Error ? err.message : String(err)));
    } finally {
      clearTimeout(timer);
    }
  }

  function parseJson(bytes: Uint8Array): unknown {
    if (bytes.length === 0) return null;
    try {
      return JSON.parse(new TextDecoder().decode(bytes));
    } catch {
      return null;
    }
  }

  function throwFor(response: Response, bytes: Uint8Array): never {
    const parsed = errorBody.safeParse(parseJson(bytes));
    if (parsed.success) throw new UserFacingError(apiError(parsed.data.error.code, parsed.data.error.message, response.status));
    throw new UserFacingError(apiError("HttpError", `${response.status} ${response.statusText}`, response.status));
  }

  async function request<T>(what: string, url: string, schema: Schema<T>, init: RequestInit = {}, auth = true): Promise<T> {
    const { response, bytes } = await send(url, init, auth, "application/json");
    if (!response.ok) throwFor(response, bytes);
    const parsed = schema.safeParse(parseJson(bytes));
    if (!parsed.success) throw new UserFacingError(providerErrors.invalidAnswer(what, parsed.error.message.slice(0, 300)));
    return parsed.data;
  }

  const json = (body: unknown): RequestInit => ({
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });

  return {
    baseUrl: root,
    info: () => request("GET /v1/info", `${root}${API_PREFIX}/info`, infoResponse, {}, false),
    nonce: () => request("GET /v1/auth/nonce", `${root}${API_PREFIX}/auth/nonce`, nonceResponse, {}, false),
    session: (message: string, signature: string) =>
      request("POST /v1/auth/session", `${root}${API_PREFIX}/auth/session`, sessionResponse, json({ message, signature }), false),
    register: (inviteCode?: string) =>
      request("POST /v1/registrations", `${root}${API_PREFIX}/registrations`, registrationResponse, json(inviteCode ? { inviteCode } : {})),
    quote: (body: { fileRoot: string; size: number; storageDays: number }) =>
      request("POST /v1/quotes", `${root}${API_PREFIX}/quotes`, quoteResponse, json(body)),
    order: (orderId: string) => request("GET /v1/orders/{id}", `${root}${API_PREFIX}/orders/${orderId}`, orderResponse),
    contentUrl: (orderId: string) => `${root}${API_PREFIX}/orders/${orderId}/content`,
    ownershipProof: (orderId: string, proofs: { index: number; chunk: string; proof: string[] }[]) =>
      request("PUT /v1/orders/{id}/content", `${root}${API_PREFIX}/orders/${orderId}/content`, receiptResponse, {
        ...json({ proofs }),
        method: "PUT",
      }),
    /** Free off-chain audit: one chunk and its proof from the link L. */
    audit: (link: string, index: number) => request("GET {L}/audit", `${link.replace(/\/+$/, "")}/audit?index=${index}`, auditResponse),
    /**
     * Free audit of several chunks in one binary answer (GET {L}/audit-batch, protocol's
     * encodeAuditBatch format), undecoded: decode it with decodeAuditBatch, verify with
     * verifyMultiProof. `indices` strictly increasing, at most MAX_AUDIT_BATCH_CHUNKS.
     */
    auditBatch: async (link: string, indices: readonly number[]): Promise<Uint8Array> => {
      const { response, bytes } = await send(`${link.replace(/\/+$/, "")}/audit-batch?indices=${indices.join(",")}`, {}, true, AUDIT_BATCH_CONTENT_TYPE);
      if (!response.ok) throwFor(response, bytes);
      return bytes;
    },
  };
}

export type ProviderApi = ReturnType<typeof createProviderApi>;

/** Parses the upload answer (the page uploads; the background verifies σ). */
export function parseReceiptResponse(body: unknown) {
  const parsed = receiptResponse.safeParse(body);
  if (!parsed.success) throw new UserFacingError(providerErrors.invalidAnswer("the upload", parsed.error.message.slice(0, 300)));
  return parsed.data;
}

export function parseErrorResponse(status: number, text: string) {
  try {
    const parsed = errorBody.safeParse(JSON.parse(text));
    if (parsed.success) return apiError(parsed.data.error.code, parsed.data.error.message, status);
  } catch {
    // not JSON
  }
  return apiError("HttpError", `${status}`, status);
}
