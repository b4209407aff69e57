// Broken servers for the fault-injection suite (test/scripts/faults/): a port nothing listens on, a
// server that accepts and never answers, one that answers 500 forever, one that answers an HTML
// page with 200 to everything. All on loopback; each records what reached it.
import * as http from "node:http";
import * as net from "node:net";
import { AddressInfo } from "node:net";

export type FaultKind = "closed" | "hang" | "500" | "html";

export interface FaultServer {
  readonly kind: FaultKind;
  /** host:port */
  readonly host: string;
  readonly url: string;
  /** Requests (or, for "hang", connections) that reached it. */
  readonly hits: number;
  stop(): Promise<void>;
}

/** A loopback port that was free a moment ago and has no listener now. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function startFaultServer(kind: FaultKind): Promise<FaultServer> {
  if (kind === "closed") {
    const port = await closedPort();
    return { kind, host: `127.0.0.1:${port}`, url: `http://127.0.0.1:${port}`, hits: 0, stop: async () => {} };
  }
  let hits = 0;
  const sockets = new Set<net.Socket>();
  const server = kind === "hang"
    // Accepts the connection, reads whatever comes and never writes a byte.
    ? net.createServer((socket) => { hits++; sockets.add(socket); socket.on("data", () => {}); socket.on("error", () => {}); socket.on("close", () => sockets.delete(socket)); })
    : http.createServer((req, res) => {
      hits++;
      req.resume();
      if (kind === "500") {
        res.writeHead(500, { "content-type": "text/plain" });
        res.end("internal error (fault server)\n");
      } else {
        res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
        res.end("<!DOCTYPE html><html><head><title>Hotel Wi-Fi login</title></head><body>Please sign in</body></html>\n");
      }
    });
  server.on("connection", (s: net.Socket) => { sockets.add(s); s.on("close", () => sockets.delete(s)); });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    kind,
    host: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}`,
    get hits() { return hits; },
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
