import type { ErrorCode } from "@pekanu/protocol";
import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import type { FastifyError, FastifyInstance, FastifyReply } from "fastify";
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from "fastify-type-provider-zod";
import { ApiError } from "../ApiError.ts";

function send(reply: FastifyReply, status: number, code: ErrorCode, message: string) {
  // Errors may be raised after a handler set another content type (file downloads).
  return reply.code(status).type("application/json; charset=utf-8").send({ error: { code, message } });
}

/**
 * Every failure is answered as `{error: {code, message}}` with a code from api.ts and a fitting
 * status; stack traces and internal messages are logged, never sent.
 */
export function installErrorHandling(app: FastifyInstance) {
  app.setErrorHandler((error: FastifyError | ApiError | Error, request, reply) => {
    if (error instanceof ApiError) {
      if (error.headers) reply.headers(error.headers);
      if (error.statusCode >= 500) request.log.error({ err: error.cause ?? error, code: error.code }, error.message);
      return send(reply, error.statusCode, error.code, error.message);
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const where = error.validationContext ?? "request";
      const details = error.validation
        .slice(0, 5)
        .map((issue) => {
          const path = issue.instancePath.replace(/^\//, "").replaceAll("/", ".");
          return path ? `${path}: ${issue.message}` : issue.message;
        })
        .join("; ");
      return send(reply, 400, "BadRequest", `invalid ${where}: ${details}`);
    }
    if (isResponseSerializationError(error)) {
      request.log.error({ err: error, issues: error.cause.issues }, "response does not match its schema");
      return send(reply, 500, "Internal", "internal error");
    }
    const fastifyError = error as FastifyError;
    const status = fastifyError.statusCode ?? 500;
    switch (fastifyError.code) {
      case "FST_ERR_CTP_BODY_TOO_LARGE":
        return send(reply, 413, "PayloadTooLarge", "request body too large");
      case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
        return send(reply, 415, "BadRequest", "unsupported content type");
      case "PEKANU_BODY_TIMEOUT":
        // The 408 was already written by watchRequestBody; the connection is closing.
        if (reply.raw.headersSent) return reply;
        return send(reply, 408, "BadRequest", "request timed out");
      case "FST_ERR_CTP_EMPTY_JSON_BODY":
        return send(reply, 400, "BadRequest", "empty JSON body");
      case "FST_ERR_CTP_INVALID_JSON_BODY":
        return send(reply, 400, "BadRequest", "malformed JSON body");
    }
    if (error instanceof SyntaxError && status === 400) return send(reply, 400, "BadRequest", "malformed JSON body");
    if (status === 413) return send(reply, 413, "PayloadTooLarge", "request body too large");
    if (status === 404) return send(reply, 404, "NotFound", "not found");
    if (status === 408) return send(reply, 408, "BadRequest", "request timed out");
    if (status === 415) return send(reply, 415, "BadRequest", "unsupported content type");
    if (status >= 400 && status < 500) return send(reply, status, "BadRequest", "bad request");
    request.log.error({ err: error }, "unhandled error");
    return send(reply, 500, "Internal", "internal error");
  });

  // Unknown paths answer 404; a known path with a method it does not have answers 405 with Allow.
  const routes: { pattern: RegExp; method: string }[] = [];
  app.addHook("onRoute", (route) => {
    const pattern = new RegExp(`^${route.url.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/:[A-Za-z0-9_]+/g, "[^/]+")}/?$`);
    for (const method of Array.isArray(route.method) ? route.method : [route.method]) routes.push({ pattern, method });
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split("?")[0]!;
    const allowed = [...new Set(routes.filter((r) => r.pattern.test(path)).map((r) => r.method))];
    if (allowed.length > 0) {
      reply.header("allow", allowed.join(", "));
      return send(reply, 405, "BadRequest", `${request.method} is not allowed on ${path}; allowed: ${allowed.join(", ")}`);
    }
    return send(reply, 404, "NotFound", `no route ${request.method} ${path}`);
  });

  // A request whose body was not (fully) read when the answer goes out (refused before reading it:
  // no session, wrong type, too large) ends its connection, so nobody can make the server read
  // or discard a body it never wanted.
  app.addHook("onSend", async (request, reply) => {
    const raw = request.raw;
    const hasBody = (raw.headers["content-length"] !== undefined && raw.headers["content-length"] !== "0") || raw.headers["transfer-encoding"] !== undefined;
    if (hasBody && !raw.complete) reply.header("connection", "close");
  });
}

/** Errors Node's HTTP parser meets before Fastify sees a request, in the `{error}` shape. */
export function clientErrorHandler(error: NodeJS.ErrnoException, socket: Socket) {
  if (error.code === "ECONNRESET" || socket.destroyed) return;
  let status = 400;
  let message = "malformed HTTP request";
  if (error.code === "ERR_HTTP_REQUEST_TIMEOUT") {
    status = 408;
    message = "request timed out";
  } else if (error.code === "HPE_HEADER_OVERFLOW") {
    status = 431;
    message = "request headers too large";
  } else if (error.code === "HPE_CHUNK_EXTENSIONS_OVERFLOW") {
    status = 413;
    message = "chunk extensions too large";
  }
  const code = status === 413 ? "PayloadTooLarge" : "BadRequest";
  const body = JSON.stringify({ error: { code, message } });
  if (socket.writable) {
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroySoon();
}
