// A TCP proxy that can be switched off and on: closed, it refuses new connections and cuts the
// open ones (an RPC endpoint going away); reopened, it listens on the same port again.
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { freePort } from "./freePort.ts";

export type TcpProxy = {
  port: number;
  url: string;
  isOpen(): boolean;
  /** Stops listening and destroys every open connection. */
  close(): Promise<void>;
  /** Listens on the same port again. */
  open(): Promise<void>;
};

export async function startTcpProxy({ targetHost = "127.0.0.1", targetPort }: { targetHost?: string; targetPort: number }): Promise<TcpProxy> {
  const port = await freePort();
  const sockets = new Set<Socket>();
  let server: Server | undefined;

  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  };

  const open = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer((client) => {
        const upstream = createConnection({ host: targetHost, port: targetPort });
        track(client);
        track(upstream);
        client.pipe(upstream);
        upstream.pipe(client);
        client.on("error", () => upstream.destroy());
        upstream.on("error", () => client.destroy());
        client.on("close", () => upstream.destroy());
        upstream.on("close", () => client.destroy());
      });
      s.once("error", reject);
      s.listen(port, "127.0.0.1", () => {
        server = s;
        resolve();
      });
    });

  await open();
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    isOpen: () => server !== undefined,
    async close() {
      const s = server;
      server = undefined;
      if (!s) return;
      const closed = new Promise<void>((resolve) => s.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
    open,
  };
}
