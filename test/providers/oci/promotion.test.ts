import { strict as assert } from "node:assert";
import { PromotionInputs, PromotionProvider } from "../../../providers/oci/promotion";
import { RegistryClient } from "../../../providers/oci/registry-client";
import { FaultProxy } from "../../../fixtures/servers/fault-proxy";
import { LocalRegistry, pushTestImage, startRegistry } from "../../../fixtures/servers/registry";
import { HostError, ProviderHost, serializeProvider } from "../../support/provider-host";
import { skopeoDigest } from "./registry-fixture";

describe("Promotion through the real dynamic-provider host", function () {
  this.timeout(60_000);
  const PASSWORD = "SENTINEL-registryPassword-7f3a9c1e";
  const evidence = { bootRun: "https://github.com/daniel-g-carrasco/margine-image/actions/runs/42", bootedAt: "2026-11-20T10:00:00Z" };
  const TAGS = ["stable", "stable.20261120", "20261120"];
  let registry: LocalRegistry;
  let proxy: FaultProxy;
  let host: ProviderHost;
  let provider: string;
  let image: string;
  let first: string;
  let second: string;

  before(async () => {
    registry = await startRegistry();
    proxy = await new FaultProxy(registry.host).start();
    first = (await pushTestImage(registry.host, "margine", "candidate.20261120", { seed: "a" })).digest;
    second = (await pushTestImage(registry.host, "margine", "candidate.20261127", { seed: "b" })).digest;
    image = `${proxy.host}/margine`;
    host = await ProviderHost.start({ env: { REGISTRY_PASSWORD: PASSWORD } });
    provider = await serializeProvider(new PromotionProvider());
  });
  after(async () => {
    await host.stop();
    await proxy.stop();
    await registry.stop();
  });

  const inputs = (over: Partial<PromotionInputs> = {}): PromotionInputs => ({
    image,
    digest: first,
    tags: TAGS,
    evidence,
    rollback: false,
    insecure: true,
    ...over,
  });

  it("serializes without credentials: they come from configure at run time", () => {
    assert.ok(!provider.includes(PASSWORD));
  });

  it("check rejects bad tags, latest, a bad digest and missing evidence before any request", async () => {
    proxy.requests.length = 0;
    const { failures } = await host.check(provider, {}, { image, digest: "sha256:abc", tags: ["latest", "stable.20260231"], insecure: true });
    assert.deepEqual(failures.map((f) => f.property).sort(), ["digest", "evidence", "tags"]);
    assert.match(failures.find((f) => f.property === "tags")!.reason, /"latest" is never promoted.*"stable\.20260231" is not a promotion tag/);
    assert.equal(proxy.requests.length, 0);
  });

  it("check refuses plain HTTP to a registry that is not on loopback", async () => {
    const { failures } = await host.check(provider, {}, inputs({ image: "ghcr.io/daniel-g-carrasco/margine" }));
    assert.deepEqual(
      failures.map((f) => f.property),
      ["insecure"],
    );
  });

  it("check adds what a reviewer reads in the preview: the dated tag, and the image's created and source revision", async () => {
    const labelled = (
      await pushTestImage(registry.host, "margine", "candidate.20261205", {
        seed: "labelled",
        created: "2026-12-05T04:17:00Z",
        labels: { "org.opencontainers.image.revision": "c0ffee".padEnd(40, "0") },
      })
    ).digest;
    const checked = (await host.check(provider, {}, inputs({ digest: labelled, tags: ["stable", "stable.20261205", "20261205"] }))).inputs;
    assert.equal(checked.version, "stable.20261205");
    assert.equal(checked.created, "2026-12-05T04:17:00Z");
    assert.equal(checked.sourceRevision, "c0ffee".padEnd(40, "0"));
    // A registry that does not answer costs the preview these facts, never the preview.
    proxy.faults.push({ method: "GET", status: 500, times: 100 });
    try {
      const degraded = (await host.check(provider, {}, inputs({ digest: labelled, tags: ["stable", "stable.20261205"] }))).inputs;
      assert.equal(degraded.version, "stable.20261205");
      assert.equal(degraded.created, undefined);
    } finally {
      proxy.faults.length = 0;
    }
  });

  it("create moves every tag; diff shows a new digest as an update; update moves them again", async () => {
    const checked = (await host.check(provider, {}, inputs())).inputs;
    const { id, outs } = await host.create(provider, checked);
    assert.deepEqual(outs.tagDigests, Object.fromEntries(TAGS.map((t) => [t, first])));
    for (const tag of TAGS) assert.equal(skopeoDigest(registry.host, "margine", tag), first);

    const next = (
      await host.check(
        provider,
        checked,
        inputs({ digest: second, tags: ["stable", "stable.20261127", "20261127"], evidence: { ...evidence, bootedAt: "2026-11-27T10:00:00Z" } }),
      )
    ).inputs;
    assert.deepEqual(next.tagDigests, { stable: second, "stable.20261127": second, "20261127": second });
    const diff = await host.diff(provider, id, outs, next);
    assert.equal(diff.changes, "some");
    assert.deepEqual(diff.replaces, []);
    const updated = await host.update(provider, id, outs, next);
    assert.equal(updated.tagDigests.stable, second);
    assert.equal(skopeoDigest(registry.host, "margine", "stable"), second);
    assert.equal(skopeoDigest(registry.host, "margine", "stable.20261120"), first, "dated aliases of the old release stay");
    assert.equal((await host.diff(provider, id, updated, next)).changes, "none");
  });

  it("read shows a hand-moved :stable as drift, and update then refuses to move it", async () => {
    const checked = (await host.check(provider, {}, inputs({ digest: second, tags: ["stable"], evidence: { ...evidence, bootedAt: "2026-11-27T10:00:00Z" } })))
      .inputs;
    const { id, outs } = await host.create(provider, checked);
    // Someone moves :stable by hand.
    const client = new RegistryClient({ registry: registry.host, insecure: true });
    await client.putManifest("margine", "stable", await client.getManifest("margine", first));

    const { props } = await host.read(provider, id, outs);
    assert.equal(props.tagDigests.stable, first);
    assert.equal((await host.diff(provider, id, props, checked)).changes, "some");

    const third = (await pushTestImage(registry.host, "margine", "candidate.20261128", { seed: "c" })).digest;
    const news = (await host.check(provider, checked, inputs({ digest: third, tags: ["stable"], evidence: { ...evidence, bootedAt: "2026-11-28T10:00:00Z" } })))
      .inputs;
    const since = host.stderr.length;
    await assert.rejects(host.update(provider, id, outs, news), (err: HostError) => {
      assert.match(err.message, /conflict, nothing was moved: :stable is at sha256:[0-9a-f]{64}, expected sha256:/);
      return true;
    });
    assert.equal(skopeoDigest(registry.host, "margine", "stable"), first);

    // A failed read is also logged by the host, and the engine shows that line under the
    // resource: it must read as the error, not "[object Object]: undefined" (the serialized class).
    const unreachable = { ...props, image: "127.0.0.1:1/margine" };
    await assert.rejects(host.read(provider, id, unreachable), /127\.0\.0\.1:1/);
    const logged = await host.waitForStderr(/RegistryError: /, { since });
    assert.match(logged, /^RegistryError: 127\.0\.0\.1:1\/margine/m);
    assert.doesNotMatch(logged, /\[object Object\]|: undefined/);
  });

  it("check asks for rollback: true when the new digest booted before the current one", async () => {
    const olds = inputs({ digest: second, evidence: { ...evidence, bootedAt: "2026-11-27T10:00:00Z" } });
    const { failures } = await host.check(provider, olds, inputs());
    assert.deepEqual(
      failures.map((f) => f.property),
      ["rollback"],
    );
    assert.deepEqual((await host.check(provider, olds, inputs({ rollback: true }))).failures, []);
  });

  it("delete leaves the registry untouched and says so", async () => {
    // Its own tag, so the test does not depend on what earlier tests promoted.
    const kept = (await pushTestImage(registry.host, "margine", "stable.20261101", { seed: "delete" })).digest;
    proxy.requests.length = 0;
    await host.delete(provider, `${image}@${kept}`, {
      ...inputs(),
      digest: kept,
      tags: ["stable.20261101"],
      tagDigests: { "stable.20261101": kept },
      mediaType: "x",
    });
    assert.equal(proxy.requests.length, 0);
    await host.waitForStderr(/registry tags were left untouched/);
    assert.equal(skopeoDigest(registry.host, "margine", "stable.20261101"), kept);
  });
});
