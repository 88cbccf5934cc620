import type { ErrorCode } from "@pekanu/protocol";
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
      case "FST_ERR_CTP_EMPTY_JSON_BODY":
        return send(reply, 400, "BadRequest", "empty JSON body");
      case "FST_ERR_CTP_INVALID_JSON_BODY":
        return send(reply, 400, "BadRequest", "malformed JSON body");
    }
    if (error instanceof SyntaxError && status === 400) return send(reply, 400, "BadRequest", "malformed JSON body");
    if (status === 413) return send(reply, 413, "PayloadTooLarge", "request body too large");
    if (status === 404) return send(reply, 404, "NotFound", "not found");
    if (status >= 400 && status < 500) return send(reply, status, "BadRequest", "bad request");
    request.log.error({ err: error }, "unhandled error");
    return send(reply, 500, "Internal", "internal error");
  });

  app.setNotFoundHandler((request, reply) => send(reply, 404, "NotFound", `no route ${request.method} ${request.url.split("?")[0]}`));

  // Bearer tokens (not cookies) carry authority, so any origin may call the API: the extension's
  // pages and service worker, or a web page the user opened.
  app.addHook("onRequest", async (request, reply) => {
    reply.header("x-content-type-options", "nosniff");
    reply.header("access-control-allow-origin", "*");
    reply.header("access-control-expose-headers", "content-range, accept-ranges, content-length, upload-offset, upload-length, tus-resumable, tus-version, tus-max-size");
    if (request.method === "OPTIONS" && request.headers["access-control-request-method"]) {
      return reply
        .header("access-control-allow-methods", "GET, HEAD, POST, PUT, PATCH, OPTIONS")
        .header("access-control-allow-headers", "authorization, content-type, range, upload-offset, tus-resumable")
        .header("access-control-max-age", "600")
        .code(204)
        .send();
    }
  });
}
