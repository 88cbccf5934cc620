import type { Server } from "node:http";
import type { Socket } from "node:net";
import { clientAddressKey } from "./clientAddressKey.ts";

/**
 * Bounds open connections: `maxConnections` in total (Node's own limit: further connections are
 * dropped at once) and `maxPerAddress` per client address (IPv6 per /64); a connection over the
 * per-address limit is destroyed before a byte of it is read. Behind a trusted reverse proxy every
 * connection comes from the proxy, so `perAddress: false` leaves only the total.
 */
export function limitConnections({
  server,
  maxConnections,
  maxPerAddress,
  perAddress,
}: {
  server: Server;
  maxConnections: number;
  maxPerAddress: number;
  perAddress: boolean;
}) {
  server.maxConnections = maxConnections;
  const open = new Map<string, number>();
  let refused = 0;
  if (perAddress) {
    server.on("connection", (socket: Socket) => {
      const key = clientAddressKey(socket.remoteAddress ?? "unknown");
      const count = (open.get(key) ?? 0) + 1;
      if (count > maxPerAddress) {
        refused++;
        socket.destroy();
        return;
      }
      open.set(key, count);
      socket.once("close", () => {
        const left = (open.get(key) ?? 1) - 1;
        if (left <= 0) open.delete(key);
        else open.set(key, left);
      });
    });
  }
  return {
    /** Connections refused for being over the per-address limit since start. */
    get refused() {
      return refused;
    },
    /** Open connections of one client address key. */
    openFor: (key: string) => open.get(key) ?? 0,
  };
}
