import { strict as assert } from "node:assert";
import { PromotionConflict, RegistryError, RollbackRequired } from "../../../providers/oci/errors";
import { OCI_INDEX } from "../../../providers/oci/media-types";
import { RegistryClient } from "../../../providers/oci/registry-client";
import { promoteTags } from "../../../providers/oci/tag-promotion";
import { FaultProxy } from "../../../fixtures/servers/fault-proxy";
import { LocalRegistry, pushTestImage, startRegistry } from "../../../fixtures/servers/registry";
import { inspectRaw, skopeoDigest } from "./registry-fixture";

describe("promoteTags against Debian's docker-registry, checked with skopeo", function () {
  this.timeout(60_000);
  const TAGS = ["stable", "stable.20261120", "20261120"];
  let registry: LocalRegistry;
  let single: string;
  let older: string;
  let index: string;
  let repoCount = 0;

  before(async () => {
    registry = await startRegistry();
  });
  after(async () => registry.stop());

  // Each case in its own repository, so no case sees another's tags.
  let repository: string;
  beforeEach(async () => {
    repository = `margine-${++repoCount}`;
    single = (await pushTestImage(registry.host, repository, "candidate", { seed: "new" })).digest;
    older = (await pushTestImage(registry.host, repository, "candidate.20261101", { seed: "old" })).digest;
    index = (await pushTestImage(registry.host, repository, "candidate.20261119", { seed: "multi", platforms: ["linux/amd64", "linux/arm64"] })).digest;
  });

  const promote = (client: RegistryClient, digest: string, extra: Partial<Parameters<typeof promoteTags>[1]> = {}) =>
    promoteTags(client, { image: `${registry.host}/${repository}`, repository, digest, tags: TAGS, ...extra });

  it("moves every tag to byte-identical bytes in at most 5 requests", async () => {
    const client = new RegistryClient({ registry: registry.host, insecure: true });
    const result = await promote(client, single);
    assert.deepEqual(
      result.tags.map((t) => [t.tag, t.before, t.after, t.action]),
      TAGS.map((t) => [t, null, single, "moved"]),
    );
    for (const tag of TAGS) assert.equal(skopeoDigest(registry.host, repository, tag), single, `:${tag}`);
    assert.ok(result.requests <= 5, `${result.requests} requests`);
  });

  it("keeps an index an index with all its platforms", async () => {
    const result = await promote(new RegistryClient({ registry: registry.host, insecure: true }), index);
    assert.equal(result.mediaType, OCI_INDEX);
    for (const tag of TAGS) {
      const seen = inspectRaw(registry.host, repository, tag);
      assert.equal(seen.digest, index);
      assert.equal(seen.manifest.mediaType, OCI_INDEX);
      assert.equal(seen.manifest.manifests?.length, 2);
    }
  });

  it("skips tags already at the digest and moves the others", async () => {
    await promote(new RegistryClient({ registry: registry.host, insecure: true }), single, { tags: ["stable.20261120"] });
    const client = new RegistryClient({ registry: registry.host, insecure: true });
    const result = await promote(client, single);
    assert.deepEqual(
      result.tags.map((t) => t.action),
      ["moved", "unchanged", "moved"],
    );
    const again = await promote(new RegistryClient({ registry: registry.host, insecure: true }), single);
    assert.deepEqual(
      again.tags.map((t) => t.action),
      ["unchanged", "unchanged", "unchanged"],
    );
  });

  it("moves nothing when a tag is not where it is expected", async () => {
    const client = new RegistryClient({ registry: registry.host, insecure: true });
    await promote(client, older, { tags: ["stable"] });
    // Someone moves :stable by hand to the index; our state still says `older`.
    await promote(client, index, { tags: ["stable"] });
    await assert.rejects(promote(client, single, { expected: { stable: older } }), (err: PromotionConflict) => {
      assert.ok(err instanceof PromotionConflict);
      assert.deepEqual(err.conflicts, [{ tag: "stable", expected: older, actual: index }]);
      return true;
    });
    assert.equal(skopeoDigest(registry.host, repository, "stable"), index);
    assert.equal(skopeoDigest(registry.host, repository, "stable.20261120"), null);
  });

  it("requires rollback to move stable to a release older than the newest dated tag", async () => {
    const client = new RegistryClient({ registry: registry.host, insecure: true });
    await promote(client, single);
    const back = ["stable", "stable.20261101", "20261101"];
    await assert.rejects(promote(client, older, { tags: back }), RollbackRequired);
    assert.equal(skopeoDigest(registry.host, repository, "stable"), single);
    await promote(client, older, { tags: back, rollback: true });
    assert.equal(skopeoDigest(registry.host, repository, "stable"), older);
  });

  it("ends consistent when the first PUT gets 503 with Retry-After", async () => {
    const proxy = await new FaultProxy(registry.host).start();
    try {
      proxy.faults.push({ method: "PUT", status: 503, retryAfter: "1" });
      const result = await promote(new RegistryClient({ registry: proxy.host, insecure: true }), single);
      assert.deepEqual(
        result.tags.map((t) => t.after),
        [single, single, single],
      );
      const puts = proxy.requests.filter((r) => r.method === "PUT");
      assert.deepEqual(puts.map((r) => r.status).sort(), [201, 201, 201, 503]);
      const failed = puts.find((r) => r.status === 503)!;
      const retried = puts.filter((r) => r.path === failed.path && r.status === 201)[0];
      assert.ok(retried.at - failed.at >= 900, `retried after ${retried.at - failed.at} ms despite Retry-After: 1`);
      for (const tag of TAGS) assert.equal(skopeoDigest(registry.host, repository, tag), single);
    } finally {
      await proxy.stop();
    }
  });

  it("a half-done promotion says what moved, leaves :stable in place, and the next run heals it", async () => {
    const proxy = await new FaultProxy(registry.host).start();
    try {
      proxy.faults.push({ method: "PUT", path: /\/manifests\/20261120$/, status: 500, times: 10 });
      const client = new RegistryClient({ registry: proxy.host, insecure: true, maxAttempts: 2, backoffMs: 10 });
      await assert.rejects(promote(client, single), (err: RegistryError) => {
        assert.ok(err instanceof RegistryError);
        assert.match(err.message, /incomplete: moved :stable\.20261120; failed :20261120 \(.*\); not attempted :stable\./);
        return true;
      });
      assert.equal(skopeoDigest(registry.host, repository, "20261120"), null);
      assert.equal(skopeoDigest(registry.host, repository, "stable"), null, ":stable must not move before its dated aliases");
      proxy.faults.length = 0;
      const healed = await promote(new RegistryClient({ registry: proxy.host, insecure: true }), single, { expected: { stable: null } });
      assert.deepEqual(
        healed.tags.map((t) => t.action),
        ["moved", "unchanged", "moved"],
      );
      for (const tag of TAGS) assert.equal(skopeoDigest(registry.host, repository, tag), single);
    } finally {
      await proxy.stop();
    }
  });

  it("PUTs :stable only after every dated alias was answered", async () => {
    const proxy = await new FaultProxy(registry.host).start();
    try {
      await promote(new RegistryClient({ registry: proxy.host, insecure: true }), single);
      const puts = proxy.requests.filter((r) => r.method === "PUT");
      const stable = puts.find((r) => r.path.endsWith("/manifests/stable"))!;
      const dated = puts.filter((r) => r !== stable);
      assert.equal(dated.length, 2);
      for (const r of dated) assert.ok(r.end! <= stable.at, `:stable sent at ${stable.at} ms, before ${r.path} was answered at ${r.end} ms`);
    } finally {
      await proxy.stop();
    }
  });

  it("refuses `stable` alone for a digest that is not the newest dated release, unless rollback", async () => {
    const client = new RegistryClient({ registry: registry.host, insecure: true });
    await promote(client, older, { tags: ["stable", "stable.20261101", "20261101"] });
    await promote(client, single);
    await assert.rejects(promote(client, older, { tags: ["stable"] }), (err: RollbackRequired) => {
      assert.ok(err instanceof RollbackRequired);
      assert.match(err.message, /carries no dated tag while the newest dated tag is 20261120 may be a rollback/);
      return true;
    });
    await assert.rejects(promote(client, older, { tags: ["stable"], dryRun: true }), RollbackRequired);
    assert.equal(skopeoDigest(registry.host, repository, "stable"), single);
    await promote(client, older, { tags: ["stable"], rollback: true });
    assert.equal(skopeoDigest(registry.host, repository, "stable"), older);
  });

  it("lets `stable` alone move to the digest the newest dated alias already names", async () => {
    const client = new RegistryClient({ registry: registry.host, insecure: true });
    await promote(client, older, { tags: ["stable", "stable.20261101", "20261101"] });
    await promote(client, single, { tags: ["stable.20261120", "20261120"] });
    const result = await promote(client, single, { tags: ["stable"] });
    assert.deepEqual(
      result.tags.map((t) => [t.tag, t.before, t.action]),
      [["stable", older, "moved"]],
    );
  });
});
