import { strict as assert } from "node:assert";
import { retentionMain } from "../../scripts/retention";
import { GitHubApiStandIn } from "../../fixtures/servers/github-api";
import { LocalRegistry, pushTestImage, startRegistry } from "../../fixtures/servers/registry";
import { skopeoDigest } from "../providers/oci/registry-fixture";
import { RegistryClient } from "../../providers/oci/registry-client";

const DAY = 86_400_000;
const stamp = (t: number) => new Date(t).toISOString().slice(0, 10).replace(/-/g, "");
const daysAgo = (n: number) => new Date(Date.now() - n * DAY).toISOString();

describe("npm run retention", function () {
  this.timeout(60_000);

  describe("against a plain registry", () => {
    let registry: LocalRegistry;
    const tags: Record<string, string> = {};
    const oldCandidate = `candidate.${stamp(Date.now() - 40 * DAY)}`;
    const newCandidate = `candidate.${stamp(Date.now() - 5 * DAY)}`;
    const oldDated = stamp(Date.now() - 45 * DAY);

    before(async () => {
      registry = await startRegistry();
      const push = async (tag: string, seed: string, created: string, platforms?: string[]) => {
        tags[tag] = (await pushTestImage(registry.host, "margine", tag, { seed, created, platforms })).digest;
      };
      await push("pr-1", "pr1", daysAgo(20));
      await push("pr-2", "pr2", daysAgo(2));
      await push(oldCandidate, "oldc", daysAgo(40));
      await push(newCandidate, "newc", daysAgo(5));
      await push("stable", "stable", daysAgo(45));
      await push("pr-9", "multi", daysAgo(30), ["linux/amd64", "linux/arm64"]);
      await push(`sha256-${tags.stable.slice(7)}.sig`, "sig", daysAgo(45));
      // An expired pr tag and a dated alias on the stable digest: the version must survive.
      const client = new RegistryClient({ registry: registry.host, insecure: true });
      const stable = await client.getManifest("margine", tags.stable);
      await client.putManifest("margine", "pr-3", stable);
      await client.putManifest("margine", oldDated, stable);
    });
    after(async () => registry.stop());

    it("dry-run by default: reports and removes nothing", async () => {
      const report = await retentionMain(["--image", `${registry.host}/margine`, "--insecure"], {});
      assert.equal(report.applied, false);
      assert.deepEqual(
        report.remove
          .map((r) => r.tags)
          .flat()
          .sort(),
        [oldCandidate, "pr-1", "pr-9"].sort(),
      );
      assert.equal(skopeoDigest(registry.host, "margine", "pr-1"), tags["pr-1"]);
    });

    it("--apply removes exactly the expired transient tags", async () => {
      const report = await retentionMain(["--image", `${registry.host}/margine`, "--insecure", "--apply"], {});
      assert.equal(report.applied, true);
      for (const gone of ["pr-1", oldCandidate, "pr-9"]) assert.equal(skopeoDigest(registry.host, "margine", gone), null, `:${gone} should be gone`);
      for (const kept of ["pr-2", newCandidate, "stable", "pr-3", oldDated, `sha256-${tags.stable.slice(7)}.sig`]) {
        assert.notEqual(skopeoDigest(registry.host, "margine", kept), null, `:${kept} must survive`);
      }
      const client = new RegistryClient({ registry: registry.host, insecure: true });
      await assert.rejects(client.getManifest("margine", tags["pr-9"]), /HTTP 404/, "the expired index is removed");
    });

    it("rejects a bad threshold with exit 2", async () => {
      await assert.rejects(
        retentionMain(["--image", `${registry.host}/margine`, "--pr-days", "two"], {}),
        (err: Error & { exitCode: number }) => err.exitCode === 2 && /--pr-days two/.test(err.message),
      );
      // A negative number reaches the flag's own check instead of node's "argument is ambiguous".
      await assert.rejects(
        retentionMain(["--image", `${registry.host}/margine`, "--pr-days", "-1"], {}),
        (err: Error & { exitCode: number }) => err.exitCode === 2 && /^--pr-days -1: expected a whole number of days/.test(err.message),
      );
    });
  });

  describe("against GHCR's packages API", () => {
    let api: GitHubApiStandIn;
    before(async () => {
      api = await new GitHubApiStandIn().start();
      api.requiredToken = "ghs_SENTINEL_retention";
    });
    after(async () => api.stop());

    it("deletes only versions whose every tag expired, across pages", async () => {
      const filler = Array.from({ length: 120 }, (_, i) => ({
        id: 1000 + i,
        name: `sha256:${String(i).padStart(64, "0")}`,
        created_at: daysAgo(60),
        tags: [] as string[],
      }));
      api.versions.set("daniel-g-carrasco/margine", [
        ...filler,
        { id: 1, name: `sha256:${"1".repeat(64)}`, created_at: daysAgo(20), tags: ["pr-1"] },
        { id: 2, name: `sha256:${"2".repeat(64)}`, created_at: daysAgo(20), tags: ["pr-2", "stable", "stable.20261101"] },
        { id: 3, name: `sha256:${"3".repeat(64)}`, created_at: daysAgo(20), tags: [`sha256-${"2".repeat(64)}.sig`] },
        { id: 4, name: `sha256:${"4".repeat(64)}`, created_at: daysAgo(1), tags: ["pr-4"] },
      ]);
      const env = { GITHUB_TOKEN: "ghs_SENTINEL_retention", GITHUB_API_URL: api.url };
      const report = await retentionMain(["--image", "ghcr.io/daniel-g-carrasco/margine", "--apply"], env);
      assert.deepEqual(
        report.remove.map((r) => r.id),
        ["1"],
      );
      const left = api.versions.get("daniel-g-carrasco/margine")!;
      assert.equal(left.length, 123);
      assert.ok(!left.some((v) => v.id === 1));
      assert.deepEqual(
        api.requests.filter((r) => r.method === "DELETE").map((r) => r.path),
        ["/users/daniel-g-carrasco/packages/container/margine/versions/1"],
      );
    });
  });
});
