// A tiny client SDK for the provider's HTTP API, parsing every answer with the shared schemas of
// @pekanu/protocol (as the extension does). `request` gives raw access for negative tests.
import {
  auditResponse,
  errorBody,
  infoResponse,
  nonceResponse,
  orderResponse,
  ordersResponse,
  quoteResponse,
  receiptResponse,
  registrationResponse,
  sessionResponse,
} from "@pekanu/protocol";
import type { Hex } from "viem";
import type { z } from "zod";

export class ProviderApiError extends Error {
  override readonly name = "ProviderApiError";
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(`${status} ${code}: ${message}`);
    this.status = status;
    this.code = code;
  }
}

export type RawResponse = { status: number; headers: Headers; json: unknown; bytes: Uint8Array };

export type RequestOptions = {
  method?: string;
  headers?: Record<string, string>;
  /** An object is sent as JSON; bytes, strings and streams as they are. */
  body?: unknown;
  token?: string | null;
};

export function createProviderClient({ baseUrl, token: initialToken }: { baseUrl: string; token?: string }) {
  let token = initialToken;

  async function request(path: string, { method = "GET", headers = {}, body, token: tokenOverride }: RequestOptions = {}): Promise<RawResponse> {
    const h: Record<string, string> = { ...headers };
    const bearer = tokenOverride === undefined ? token : tokenOverride;
    if (bearer) h.authorization ??= `Bearer ${bearer}`;
    let payload: BodyInit | undefined;
    let duplex: "half" | undefined;
    if (body instanceof ReadableStream) {
      payload = body;
      duplex = "half";
    } else if (body instanceof Uint8Array || typeof body === "string") {
      payload = body as BodyInit;
    } else if (body !== undefined) {
      payload = JSON.stringify(body);
      h["content-type"] ??= "application/json";
    }
    const response = await fetch(`${baseUrl}${path}`, { method, headers: h, body: payload, ...(duplex ? { duplex } : {}) } as RequestInit);
    const bytes = new Uint8Array(await response.arrayBuffer());
    let json: unknown;
    if ((response.headers.get("content-type") ?? "").includes("json")) {
      try {
        json = JSON.parse(new TextDecoder().decode(bytes));
      } catch {
        json = undefined;
      }
    }
    return { status: response.status, headers: response.headers, json, bytes };
  }

  async function call<S extends z.ZodType>(schema: S, path: string, options?: RequestOptions): Promise<z.infer<S>> {
    const response = await request(path, options);
    if (response.status >= 400) {
      const parsed = errorBody.safeParse(response.json);
      throw new ProviderApiError(response.status, parsed.success ? parsed.data.error.code : "?", parsed.success ? parsed.data.error.message : "no error body");
    }
    return schema.parse(response.json);
  }

  return {
    request,
    setToken(value: string | undefined) {
      token = value;
    },
    info: () => call(infoResponse, "/v1/info"),
    nonce: () => call(nonceResponse, "/v1/auth/nonce"),
    session: (body: { message: string; signature: Hex }) => call(sessionResponse, "/v1/auth/session", { method: "POST", body }),
    register: (body: { inviteCode?: string } = {}) => call(registrationResponse, "/v1/registrations", { method: "POST", body }),
    quote: (body: { fileRoot: Hex; size: number; storageDays: number }) => call(quoteResponse, "/v1/quotes", { method: "POST", body }),
    order: (orderId: Hex) => call(orderResponse, `/v1/orders/${orderId}`),
    orders: (query = "") => call(ordersResponse, `/v1/orders${query}`),
    upload: (orderId: Hex, content: Uint8Array | ReadableStream<Uint8Array>) =>
      call(receiptResponse, `/v1/orders/${orderId}/content`, {
        method: "PUT",
        headers: { "content-type": "application/octet-stream" },
        body: content,
      }),
    proveOwnership: (orderId: Hex, body: { proofs: { index: number; chunk: string; proof: Hex[] }[] }) =>
      call(receiptResponse, `/v1/orders/${orderId}/content`, { method: "PUT", body }),
    download: (fileRoot: Hex, range?: string) =>
      request(`/v1/files/${fileRoot}`, range === undefined ? {} : { headers: { range } }),
    audit: (fileRoot: Hex, index: number) => call(auditResponse, `/v1/files/${fileRoot}/audit?index=${index}`),
  };
}

export type ProviderClient = ReturnType<typeof createProviderClient>;
