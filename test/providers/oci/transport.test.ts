import { strict as assert } from "node:assert";
import * as http from "node:http";
import { AddressInfo } from "node:net";
import { RegistryAuthError } from "../../../providers/oci/errors";
import { RegistryClient, sha256Digest } from "../../../providers/oci/registry-client";

// A table-driven stand-in of a token-auth registry (GHCR's flow): any request not in the table fails the test.
describe("registry transport: token auth and Retry-After", () => {
  const manifest = Buffer.from('{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"}');
  const digest = sha256Digest(manifest);
  let server: http.Server;
  let host = "";
  const seen: string[] = [];
  let throttleOnce = true;

  before(async () => {
    server = http.createServer((req, res) => {
      const line = `${req.method} ${req.url} ${req.headers.authorization ?? "-"}`;
      seen.push(line);
      if (req.url!.startsWith("/token?")) {
        const ok = req.headers.authorization === `Basic ${Buffer.from("ci:ghs_secret").toString("base64")}`;
        res.writeHead(ok ? 200 : 401, { "content-type": "application/json" });
        res.end(ok ? JSON.stringify({ token: "tok-pull" }) : "{}");
        return;
      }
      if (req.url === `/v2/margine/manifests/${digest}`) {
        if (req.headers.authorization !== "Bearer tok-pull") {
          res.writeHead(401, { "www-authenticate": `Bearer realm="http://${host}/token",service="registry.test",scope="repository:margine:pull"` });
          res.end();
          return;
        }
        if (throttleOnce) {
          throttleOnce = false;
          res.writeHead(429, { "retry-after": "1" });
          res.end(JSON.stringify({ errors: [{ code: "TOOMANYREQUESTS", message: "slow down" }] }));
          return;
        }
        res.writeHead(200, { "content-type": "application/vnd.oci.image.manifest.v1+json" });
        res.end(manifest);
        return;
      }
      assert.fail(`unexpected request ${line}`);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => new Promise<void>((r) => server.close(() => r())));
  // Each test starts from a fresh server state, whatever ran before it.
  beforeEach(() => {
    seen.length = 0;
    throttleOnce = true;
  });

  it("answers a Bearer challenge with a token from the realm, then honors Retry-After on 429", async () => {
    const client = new RegistryClient({ registry: host, insecure: true, username: "ci", password: "ghs_secret" });
    const started = Date.now();
    const got = await client.getManifest("margine", digest);
    assert.equal(got.digest, digest);
    assert.ok(Date.now() - started >= 950, "waited for Retry-After");
    assert.deepEqual(
      seen.map((l) => l.split(" ")[0] + " " + l.split(" ")[1].split("?")[0]),
      [`GET /v2/margine/manifests/${digest}`, "GET /token", `GET /v2/margine/manifests/${digest}`, `GET /v2/margine/manifests/${digest}`],
    );
    assert.equal(client.requestCount, 4);
  });

  it("refused credentials fail with RegistryAuthError naming the variables to set", async () => {
    const client = new RegistryClient({ registry: host, insecure: true, username: "ci", password: "wrong" });
    await assert.rejects(
      client.getManifest("margine", digest),
      (err: Error) => err instanceof RegistryAuthError && /REGISTRY_USERNAME and REGISTRY_PASSWORD/.test(err.message),
    );
  });
});
