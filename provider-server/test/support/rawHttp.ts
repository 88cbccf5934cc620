// Raw HTTP/1.1 over a TCP socket, from a chosen loopback address: for hostile-traffic tests that
// need to stall, trickle, or hold connections in ways fetch cannot, and to play many client IPs
// (the whole of 127.0.0.0/8 is loopback on Linux).
import { connect, type Socket } from "node:net";

export type RawConnection = {
  socket: Socket;
  /** Everything received so far. */
  received(): string;
  /** Resolves when the server has closed the connection (or it failed), with the ms it was open. */
  closed: Promise<number>;
  write(data: string | Uint8Array): Promise<void>;
};

export async function openRaw({ url, localAddress }: { url: string; localAddress?: string }): Promise<RawConnection> {
  const { hostname, port } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port), localAddress });
  const opened = Date.now();
  let data = "";
  socket.on("data", (chunk) => (data += chunk.toString("latin1")));
  const closed = new Promise<number>((resolve) => socket.once("close", () => resolve(Date.now() - opened)));
  socket.on("error", () => {});
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
    socket.once("close", () => resolve());
  });
  return {
    socket,
    received: () => data,
    closed,
    write: (chunk) => new Promise<void>((resolve) => (socket.destroyed ? resolve() : socket.write(chunk, () => resolve()))),
  };
}

/** The status code and JSON body of the first response in `raw`, if complete. */
export function parseRawResponse(raw: string): { status: number; headers: Record<string, string>; body: string } | undefined {
  const end = raw.indexOf("\r\n\r\n");
  if (end < 0) return undefined;
  const [statusLine, ...lines] = raw.slice(0, end).split("\r\n");
  const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]));
  return { status: Number(statusLine!.split(" ")[1]), headers, body: raw.slice(end + 4) };
}

/** One whole request over a fresh connection from `localAddress`; answers status and parsed JSON. */
export async function rawRequest({
  url,
  method = "GET",
  headers = {},
  body,
  localAddress,
}: {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  localAddress?: string;
}): Promise<{ status: number; headers: Record<string, string>; json: unknown }> {
  const { host, pathname, search } = new URL(url);
  const connection = await openRaw({ url, localAddress });
  const all = { host, connection: "close", ...(body !== undefined ? { "content-length": String(Buffer.byteLength(body)) } : {}), ...headers };
  await connection.write(`${method} ${pathname}${search} HTTP/1.1\r\n${Object.entries(all).map(([k, v]) => `${k}: ${v}`).join("\r\n")}\r\n\r\n${body ?? ""}`);
  await connection.closed;
  const response = parseRawResponse(connection.received());
  if (!response) throw new Error(`no response: ${connection.received().slice(0, 200)}`);
  let json: unknown;
  try {
    json = JSON.parse(response.body);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, json };
}
