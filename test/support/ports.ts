// Loopback ports for the servers the tests start. A port found free can be taken by another
// process before the child binds it; the child then fails with "address already in use", and
// onFreePort starts it again on another port instead of failing the test.
import * as net from "node:net";

/** A TCP port nothing listens on right now (the kernel's choice). */
export async function freePort(host = "127.0.0.1"): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(0, host, resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts `start` on a free port, again on another one (at most `attempts` times) when the port was taken meanwhile. */
export async function onFreePort<T>(start: (port: number) => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      return await start(port);
    } catch (err) {
      if (attempt >= attempts || !/address already in use|EADDRINUSE/i.test(String((err as Error)?.message ?? err))) throw err;
    }
  }
}
