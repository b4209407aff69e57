import { strict as assert } from "node:assert";
import { GhcrPackageInputs, GhcrPackageProvider } from "../../../providers/ghcr/ghcr-package";
import { HostError, ProviderHost, serializeProvider } from "../../support/provider-host";
import { GitHubApiStandIn } from "../../../fixtures/servers/github-api";

describe("GhcrPackage through the real dynamic-provider host", function () {
  this.timeout(60_000);
  const TOKEN = "ghp_SENTINEL_ghcr_token_0123456789";
  let api: GitHubApiStandIn;
  let host: ProviderHost;
  let provider: string;
  let inputs: GhcrPackageInputs;

  before(async () => {
    api = await new GitHubApiStandIn().start();
    api.requiredToken = TOKEN;
    host = await ProviderHost.start({ config: { "github:token": TOKEN } });
    provider = await serializeProvider(new GhcrPackageProvider());
    inputs = {
      owner: "daniel-g-carrasco",
      ownerType: "user",
      name: "margine",
      expectedVisibility: "public",
      expectedRepository: "daniel-g-carrasco/margine-image",
      apiUrl: api.url,
    };
  });
  after(async () => {
    await host.stop();
    await api.stop();
  });
  beforeEach(() => {
    api.packages.set("daniel-g-carrasco/margine", { visibility: "public", repository: "daniel-g-carrasco/margine-image" });
    api.requests.length = 0;
  });

  it("serializes without the token: credentials come from configure at run time", () => {
    assert.ok(!provider.includes(TOKEN));
    assert.ok(provider.length < 200_000, `__provider is ${provider.length} bytes`);
  });

  it("check rejects a malformed declaration with one failure per field", async () => {
    const { failures } = await host.check(provider, {}, { ...inputs, name: "Margine:latest", expectedRepository: "margine-image" });
    assert.deepEqual(failures.map((f) => f.property).sort(), ["expectedRepository", "name"]);
  });

  it("create reads the package with the configured token and reports its settings", async () => {
    const { id, outs } = await host.create(provider, inputs);
    assert.equal(id, "daniel-g-carrasco/margine");
    assert.equal(outs.visibility, "public");
    assert.equal(outs.repository, "daniel-g-carrasco/margine-image");
    assert.equal(outs.settingsUrl, "https://github.com/users/daniel-g-carrasco/packages/container/margine/settings");
    assert.equal(api.requests[0].path, "/users/daniel-g-carrasco/packages/container/margine");
    assert.equal(api.requests[0].authorization, `token ${TOKEN}`);
  });

  it("fails up on a private package with the settings URL, since no API can fix it", async () => {
    api.packages.set("daniel-g-carrasco/margine", { visibility: "private", repository: "daniel-g-carrasco/margine-image" });
    await assert.rejects(host.create(provider, inputs), (err: HostError) => {
      assert.match(err.message, /visibility is private, expected public/);
      assert.match(err.message, /https:\/\/github\.com\/users\/daniel-g-carrasco\/packages\/container\/margine\/settings/);
      return true;
    });
  });

  it("fails up when the package is linked to another repository", async () => {
    api.packages.set("daniel-g-carrasco/margine", { visibility: "public", repository: "someone/else" });
    await assert.rejects(host.create(provider, inputs), /linked repository is someone\/else, expected daniel-g-carrasco\/margine-image/);
  });

  it("fails up with what to do when the package does not exist yet", async () => {
    api.packages.clear();
    await assert.rejects(host.create(provider, inputs), /does not exist yet; push the first image/);
  });

  it("diff shows a hand-made visibility change as drift, and nothing when all matches", async () => {
    const { outs } = await host.create(provider, inputs);
    assert.equal((await host.diff(provider, "daniel-g-carrasco/margine", outs, inputs)).changes, "none");
    api.packages.set("daniel-g-carrasco/margine", { visibility: "private", repository: "daniel-g-carrasco/margine-image" });
    const drift = await host.diff(provider, "daniel-g-carrasco/margine", outs, inputs);
    assert.equal(drift.changes, "some");
    assert.deepEqual(drift.replaces, []);
  });

  it("read (refresh) reports the observed settings", async () => {
    const { outs } = await host.create(provider, inputs);
    api.packages.set("daniel-g-carrasco/margine", { visibility: "private", repository: null });
    const { props } = await host.read(provider, "daniel-g-carrasco/margine", outs);
    assert.equal(props.visibility, "private");
    assert.equal(props.repository, null);
  });

  it("a wrong token fails with the scope to grant, not a stack trace", async () => {
    const other = await ProviderHost.start({ config: { "github:token": "wrong" } });
    try {
      await assert.rejects(other.create(provider, inputs), /HTTP 401.*read:packages/);
    } finally {
      await other.stop();
    }
  });

  it("delete leaves the package alone", async () => {
    api.requests.length = 0;
    await host.delete(provider, "daniel-g-carrasco/margine", { ...inputs, visibility: "public" });
    assert.equal(api.requests.length, 0);
    assert.ok(api.packages.has("daniel-g-carrasco/margine"));
  });
});
