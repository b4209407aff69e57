// The staleness watchdog against Debian's docker-registry with images of different Created dates.
import { strict as assert } from "node:assert";
import { runScript } from "../support/processes";
import { stalenessVerdict } from "../../providers/oci/staleness";
import { LocalRegistry, pushTestImage, startRegistry } from "../../fixtures/servers/registry";

const DAY = 86_400_000;
const daysAgo = (n: number) => new Date(Date.now() - n * DAY).toISOString();

function staleness(args: string[]) {
  return runScript("staleness", args, { env: { GITHUB_ACTIONS: "", REGISTRY_PASSWORD: "", GITHUB_TOKEN: "" } });
}

describe("staleness verdicts", () => {
  const now = new Date("2026-11-30T12:00:00Z");
  const t = { warnDays: 7, criticalDays: 14 };
  for (const [created, level, code] of [
    ["2026-11-30T11:00:00Z", "fresh", 0],
    ["2026-11-23T12:00:01Z", "fresh", 0],
    ["2026-11-23T12:00:00Z", "warning", 1],
    ["2026-11-16T12:00:01Z", "warning", 1],
    ["2026-11-16T12:00:00Z", "critical", 2],
    ["2026-12-01T00:00:00Z", "fresh", 0], // a clock ahead of ours is not staleness
  ] as const) {
    it(`an image created ${created} is ${level} (exit ${code})`, () => {
      const v = stalenessVerdict("r/i:stable", new Date(created), now, t);
      assert.deepEqual([v.level, v.exitCode], [level, code]);
      assert.ok(!v.message.includes("\n"));
    });
  }
});

describe("npm run staleness against a local registry", function () {
  this.timeout(120_000);
  let registry: LocalRegistry;
  before(async () => {
    registry = await startRegistry();
    await pushTestImage(registry.host, "margine", "fresh", { created: daysAgo(2), seed: "fresh" });
    await pushTestImage(registry.host, "margine", "week", { created: daysAgo(9), seed: "week" });
    await pushTestImage(registry.host, "margine", "stable", { created: daysAgo(20), seed: "old" });
    await pushTestImage(registry.host, "margine", "multi", { created: daysAgo(10), seed: "multi", platforms: ["linux/amd64", "linux/arm64"] });
    await pushTestImage(registry.host, "margine", "future", { created: "2031-01-01T00:00:00Z", seed: "future" });
  });
  after(async () => {
    await registry.stop();
  });

  for (const [tag, code, line] of [
    ["fresh", 0, /^fresh: 127\.0\.0\.1:\d+\/margine:fresh is 2\.0 days old \(created .*\); warning at 7, critical at 14 days\n$/],
    ["week", 1, /^warning: 127\.0\.0\.1:\d+\/margine:week is 9\.0 days old .*either the build pipeline is broken or upstream has paused\n$/],
    ["stable", 2, /^critical: 127\.0\.0\.1:\d+\/margine:stable is 20\.0 days old/],
    ["multi", 1, /^warning: .*margine:multi is 10\.0 days old/],
  ] as const) {
    it(`reads Created of :${tag} through the registry API and exits ${code} with one line`, () => {
      const run = staleness(["--image", `${registry.host}/margine:${tag}`, "--insecure"]);
      assert.equal(run.code, code, run.stderr);
      assert.match(run.stdout, line);
    });
  }

  it("honours custom thresholds", () => {
    const run = staleness(["--image", `${registry.host}/margine:stable`, "--insecure", "--warn-days", "21", "--critical-days", "30"]);
    assert.equal(run.code, 0, run.stderr);
  });

  it("a missing tag is unknown (exit 3), not fresh or critical", () => {
    const run = staleness(["--image", `${registry.host}/margine:nope`, "--insecure"]);
    assert.equal(run.code, 3);
    assert.match(run.stderr, /^error: unknown: .*margine:nope.*MANIFEST_UNKNOWN/);
  });

  it("an image created years ahead of our clock is unknown (exit 3), not fresh", () => {
    const run = staleness(["--image", `${registry.host}/margine:future`, "--insecure"]);
    assert.equal(run.code, 3, run.stdout);
    assert.match(run.stderr, /^error: unknown: .*margine:future: created 2031-01-01T00:00:00\.000Z is in the future/);
    assert.equal(run.stdout, "");
  });

  it("a platform the index does not list is unknown (exit 3), not another platform's age", () => {
    const run = staleness(["--image", `${registry.host}/margine:multi`, "--insecure", "--platform", "linux/s390x"]);
    assert.equal(run.code, 3, run.stdout);
    assert.match(run.stderr, /^error: unknown: .*the image index has no linux\/s390x entry \(it lists linux\/amd64, linux\/arm64\)/);
  });

  for (const [what, args, message] of [
    ["an image without tag", ["--image", "ghcr.io/daniel-g-carrasco/margine"], /--image "ghcr\.io\/daniel-g-carrasco\/margine": expected HOST\/REPO:TAG/],
    [
      "thresholds in the wrong order",
      ["--image", "ghcr.io/o/m:stable", "--warn-days", "14", "--critical-days", "7"],
      /--critical-days 7 must be greater than --warn-days 14/,
    ],
    ["--insecure on a public registry", ["--image", "ghcr.io/o/m:stable", "--insecure"], /--insecure is for loopback registries only/],
    ["an unknown flag", ["--image", "ghcr.io/o/m:stable", "--warn", "3"], /Unknown option '--warn'/],
    ["a negative threshold", ["--image", "ghcr.io/o/m:stable", "--warn-days", "-1"], /--warn-days "-1": expected a positive number of days/],
    ["a zero read timeout", ["--image", "ghcr.io/o/m:stable", "--read-timeout", "0"], /--read-timeout 0: expected a number of seconds/],
  ] as const) {
    it(`exits 3 on ${what}, with no network call`, () => {
      const run = staleness(args as unknown as string[]);
      assert.equal(run.code, 3, run.stderr);
      assert.match(run.stderr, message);
      assert.doesNotMatch(run.stderr, /\n\s+at /);
    });
  }
});
