import type { FastifyInstance, FastifyRequest } from "fastify";

/** Content types streamed by a handler (uploads) rather than parsed whole. */
export const STREAMED_TYPES = new Set(["application/octet-stream", "application/offset+octet-stream"]);

function hasBody(request: FastifyRequest): boolean {
  const length = request.headers["content-length"];
  if (length !== undefined) return length !== "0";
  return request.headers["transfer-encoding"] !== undefined;
}

/**
 * Bounds how long a request body may take, so a client that stalls or trickles cannot hold a
 * connection (and an upload's order) for long:
 * - a parsed body (JSON) must be complete `bodyTimeoutMs` after the request started;
 * - a streamed body (an upload) must bring at least `minBytesPerSecond` on average in every window
 *   of `windowMs` (the idle timeout): a stall is also caught sooner by the socket's idle timeout.
 * A body over time is answered 408 `{error}` with `Connection: close` when nothing was answered
 * yet, and the connection is closed; the handler reading the body sees the stream fail.
 */
export function watchRequestBody({
  app,
  bodyTimeoutMs,
  windowMs,
  minBytesPerSecond,
  onTimeout,
}: {
  app: FastifyInstance;
  bodyTimeoutMs: number;
  windowMs: number;
  minBytesPerSecond: number;
  onTimeout?: (request: FastifyRequest, reason: string) => void;
}) {
  app.addHook("onRequest", async (request, reply) => {
    if (!hasBody(request)) return;
    const raw = request.raw;
    const socket = raw.socket;
    const type = (request.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
    const streamed = STREAMED_TYPES.has(type);
    let timer: NodeJS.Timeout | undefined;
    const stop = () => clearTimeout(timer);
    const expire = (reason: string) => {
      if (raw.complete || socket.destroyed) return;
      onTimeout?.(request, reason);
      request.log.warn({ url: request.url, ip: request.ip, reason }, "request body too slow: connection closed");
      if (!reply.raw.headersSent) {
        const body = JSON.stringify({ error: { code: "BadRequest", message: `request timed out: ${reason}` } });
        reply.raw.writeHead(408, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(body), connection: "close" });
        reply.raw.end(body);
      }
      // The request stream fails, so whatever reads it (a parser, an upload) stops now.
      const error = Object.assign(new Error(`request body timed out: ${reason}`), { code: "PEKANU_BODY_TIMEOUT", statusCode: 408 });
      setImmediate(() => {
        raw.destroy(error);
        socket.destroy();
      });
    };
    if (!streamed) {
      timer = setTimeout(() => expire(`the body was not complete within ${bodyTimeoutMs} ms`), bodyTimeoutMs);
    } else if (minBytesPerSecond > 0) {
      const need = Math.ceil((minBytesPerSecond * windowMs) / 1000);
      let before = socket.bytesRead;
      const check = () => {
        const now = socket.bytesRead;
        if (now - before < need) return expire(`fewer than ${minBytesPerSecond} bytes/s over ${windowMs} ms`);
        before = now;
        timer = setTimeout(check, windowMs);
      };
      timer = setTimeout(check, windowMs);
    }
    timer?.unref();
    raw.once("end", stop);
    raw.once("close", stop);
    reply.raw.once("close", stop);
  });
}
