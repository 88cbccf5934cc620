// The provider's compute endpoints (/work COMPUTE-API v0: /v1/info's `compute`, POST /v1/jobs/quotes,
// GET /v1/jobs/:jobId, GET /v1/jobs), as the extension calls them. Every answer is parsed with a zod
// schema; uint fields arrive as decimal strings, as storage quotes do.
import { API_PREFIX, errorBody } from "@pekanu/protocol";
import { z } from "zod";
import { apiError, providerErrors, UserFacingError } from "../errors.ts";

const hex32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/).transform((s) => s.toLowerCase() as `0x${string}`);
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/) as z.ZodType<`0x${string}`>;
const uintString = z.string().regex(/^\d{1,78}$/);
const hexBytes = z.string().regex(/^0x([0-9a-fA-F]{2})*$/) as z.ZodType<`0x${string}`>;
const dim = z.coerce.number().int().nonnegative().max(2 ** 32 - 1);

export const computeInfoSchema = z
  .object({
    contract: address,
    chainId: z.number().int().positive(),
    signer: address,
    kernels: z.array(z.object({ id: z.number().int().nonnegative().max(255), name: z.string().max(100), maxM: z.number(), maxK: z.number(), maxN: z.number() })).max(64),
    pricePerGigaMulAdd: uintString,
  })
  .nullable();
export type ComputeInfo = NonNullable<z.infer<typeof computeInfoSchema>>;

const infoWithCompute = z.object({ compute: computeInfoSchema.optional() });

/** A JobQuote in JSON (uint fields as decimal strings). */
export const jobQuoteJsonSchema = z.object({
  jobId: hex32,
  client: address,
  kernel: z.coerce.number().int().nonnegative().max(255),
  inputA: hex32,
  inputB: hex32,
  m: dim,
  k: dim,
  n: dim,
  price: uintString,
  fine: uintString,
  deliverBy: uintString,
  expiresAt: uintString,
});
export type JobQuoteJson = z.infer<typeof jobQuoteJsonSchema>;

export const jobQuoteResponse = z.object({ quote: jobQuoteJsonSchema, signature: hexBytes });

export const jobStateSchema = z.enum(["quoted", "queued", "running", "done", "failed", "refunded", "settled", "fraudProven"]);
export type ServerJobState = z.infer<typeof jobStateSchema>;

export const jobReceiptJsonSchema = z.object({
  resultRoot: hex32,
  resultSize: z.coerce.number().int().nonnegative(),
  link: z.string().url().max(2048),
  signature: hexBytes,
  signer: address,
});
export type JobReceiptJson = z.infer<typeof jobReceiptJsonSchema>;

export const jobResponse = z.object({
  jobId: hex32,
  state: jobStateSchema,
  progress: z.number().min(0).max(1),
  quote: jobQuoteJsonSchema,
  receipt: jobReceiptJsonSchema.nullable(),
  error: z.string().max(2000).nullable(),
});
export type JobResponse = z.infer<typeof jobResponse>;

export const jobsResponse = z.object({ jobs: z.array(jobResponse) });

export type JobQuoteRequest = { kernel: number; inputA: string; inputB: string; m: number; k: number; n: number };

type Schema<T> = { safeParse(value: unknown): { success: true; data: T } | { success: false; error: { message: string } } };

export function createComputeApi({ baseUrl, token = null, fetch: fetchImpl = fetch.bind(globalThis), timeoutMs = 20_000 }: { baseUrl: string; token?: string | null; fetch?: typeof fetch; timeoutMs?: number }) {
  const root = baseUrl.replace(/\/+$/, "");

  async function request<T>(what: string, url: string, schema: Schema<T>, init: RequestInit = {}, auth = true): Promise<T> {
    const headers = new Headers(init.headers);
    headers.set("Accept", "application/json");
    if (auth && token) headers.set("Authorization", `Bearer ${token}`);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    let response: Response;
    try {
      response = await fetchImpl(url, { ...init, headers, signal: controller.signal });
    } catch (err) {
      throw new UserFacingError(providerErrors.unreachable(root, err instanceof Error ? err.message : String(err)));
    } finally {
      clearTimeout(timer);
    }
    let body: unknown = null;
    const text = await response.text().catch(() => "");
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = null;
    }
    if (!response.ok) {
      const parsed = errorBody.safeParse(body);
      if (parsed.success) throw new UserFacingError(apiError(parsed.data.error.code, parsed.data.error.message, response.status));
      throw new UserFacingError(apiError("HttpError", `${response.status} ${response.statusText}`, response.status));
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) throw new UserFacingError(providerErrors.invalidAnswer(what, parsed.error.message.slice(0, 300)));
    return parsed.data;
  }

  return {
    baseUrl: root,
    /** The provider's compute offer (null: this provider does not compute). */
    info: async (): Promise<ComputeInfo | null> => (await request("GET /v1/info", `${root}${API_PREFIX}/info`, infoWithCompute, {}, false)).compute ?? null,
    quote: (body: JobQuoteRequest) =>
      request("POST /v1/jobs/quotes", `${root}${API_PREFIX}/jobs/quotes`, jobQuoteResponse, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      }),
    job: (jobId: string) => request("GET /v1/jobs/{id}", `${root}${API_PREFIX}/jobs/${jobId}`, jobResponse),
    jobs: () => request("GET /v1/jobs", `${root}${API_PREFIX}/jobs`, jobsResponse),
  };
}

export type ComputeApi = ReturnType<typeof createComputeApi>;
