// The OpenAPI document at /v1/openapi.json is generated from the routes' zod schemas: it must be a
// valid OpenAPI 3.1 document, and every route the server registers must be in it.
import SwaggerParser from "@apidevtools/swagger-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HardhatNode, startHardhatNode, startProvider, type TestProvider } from "./support/index.ts";

let node: HardhatNode;
let provider: TestProvider;
let document: { openapi: string; paths: Record<string, Record<string, { security?: unknown; requestBody?: { content: Record<string, unknown> }; responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }> }>> };

beforeAll(async () => {
  node = await startHardhatNode();
  provider = await startProvider({ rpcUrl: node.rpcUrl });
  const response = await fetch(`${provider.baseUrl}/v1/openapi.json`);
  expect(response.status).toBe(200);
  document = (await response.json()) as typeof document;
});

afterAll(async () => {
  await provider?.stop();
  await node?.stop();
});

describe("GET /v1/openapi.json", () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    expect(document.openapi).toBe("3.1.0");
    await expect(SwaggerParser.validate(structuredClone(document) as never)).resolves.toBeDefined();
  });

  it("has every registered route, with its method", () => {
    const routes = provider.server.routes.filter((r) => r.method !== "HEAD");
    expect(routes.length).toBeGreaterThan(10);
    for (const { method, url } of routes) {
      const path = url.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
      expect(document.paths[path]?.[method.toLowerCase()], `${method} ${url}`).toBeDefined();
    }
  });

  it("documents the schemas: quote request fields, uint64 as decimal strings, both upload bodies, errors, bearer auth", () => {
    const quotes = document.paths["/v1/quotes"]!.post!;
    const body = (quotes.requestBody!.content["application/json"] as { schema: { required: string[]; properties: Record<string, { type: string }> } }).schema;
    expect(body.required).toEqual(expect.arrayContaining(["fileRoot", "size", "storageDays"]));
    expect(body.properties.size!.type).toBe("integer");
    const answer = quotes.responses["200"]!.content!["application/json"]!.schema as { properties: { quote: { properties: Record<string, { type: string; pattern?: string }> } } };
    expect(answer.properties.quote.properties.price).toMatchObject({ type: "string", pattern: expect.any(String) });
    expect(quotes.security).toEqual([{ bearer: [] }]);
    expect(quotes.responses.default!.content!["application/json"]!.schema).toEqual({ $ref: "#/components/schemas/Error" });
    const content = document.paths["/v1/orders/{orderId}/content"]!.put!;
    expect(Object.keys(content.requestBody!.content).sort()).toEqual(["application/json", "application/octet-stream"]);
    expect(document.paths["/v1/info"]!.get!.security).toBeUndefined();
    const batch = document.paths["/v1/files/{fileRoot}/audit-batch"]!.get! as unknown as { security: unknown; description: string; parameters: { name: string; in: string }[] };
    expect(batch.security).toEqual([{ bearer: [] }]);
    expect(batch.parameters.map((p) => `${p.in}:${p.name}`).sort()).toEqual(["path:fileRoot", "query:indices"]);
    expect(batch.description).toContain("multiProofRanges");

  });
});
