import { strict as assert } from "node:assert";
import { runScript } from "../support/processes";
import { LocalRegistry, pushTestImage, startRegistry } from "../servers/registry";
import { skopeoDigest } from "../providers/oci/registry-fixture";


function promote(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const res = runScript("promote", args);
  return { status: res.code, stdout: res.stdout, stderr: res.stderr };
}

describe("npm run promote", function () {
  this.timeout(60_000);
  let registry: LocalRegistry;
  let digest: string;
  let other: string;

  before(async () => {
    registry = await startRegistry();
    digest = (await pushTestImage(registry.host, "margine", "candidate", { seed: "one" })).digest;
    other = (await pushTestImage(registry.host, "margine", "pr-7", { seed: "two" })).digest;
  });
  after(async () => registry.stop());

  it("rejects latest and a short digest with exit 2 and no stack trace", () => {
    const res = promote(["--image", `${registry.host}/margine`, "--digest", "sha256:abc", "--tags", "stable,latest", "--insecure"]);
    assert.equal(res.status, 2);
    assert.match(res.stderr, /--digest: "sha256:abc" is not a digest/);
    assert.match(res.stderr, /"latest" is never promoted/);
    assert.doesNotMatch(res.stderr, /\n\s+at /);
  });

  it("promotes, printing one JSON object with before/after per tag and the request count", () => {
    const res = promote(["--image", `${registry.host}/margine`, "--digest", digest, "--tags", "stable,stable.20261120,20261120", "--insecure"]);
    assert.equal(res.status, 0, res.stderr);
    const out = JSON.parse(res.stdout);
    assert.deepEqual(out.tags.map((t: { tag: string; before: string | null; after: string }) => [t.tag, t.before, t.after]), [
      ["stable", null, digest], ["stable.20261120", null, digest], ["20261120", null, digest],
    ]);
    assert.ok(out.requests <= 5, `${out.requests} requests`);
    assert.equal(skopeoDigest(registry.host, "margine", "20261120"), digest);
  });

  it("exits 3 and moves nothing when --expect does not match", () => {
    const res = promote(["--image", `${registry.host}/margine`, "--digest", other, "--tags", "stable,stable.20261121", "--expect", `stable=${other.replace(/.$/, "0")}`, "--insecure"]);
    assert.equal(res.status, 3, res.stderr);
    assert.match(res.stderr, /conflict, nothing was moved: :stable is at sha256:/);
    assert.equal(skopeoDigest(registry.host, "margine", "stable"), digest);
    assert.equal(skopeoDigest(registry.host, "margine", "stable.20261121"), null);
  });

  it("--dry-run reports what would move and moves nothing", () => {
    const res = promote(["--image", `${registry.host}/margine`, "--digest", other, "--tags", "stable,stable.20261121", "--expect", `stable=${digest}`, "--insecure", "--dry-run"]);
    assert.equal(res.status, 0, res.stderr);
    assert.deepEqual(JSON.parse(res.stdout).tags.map((t: { action: string }) => t.action), ["would-move", "would-move"]);
    assert.equal(skopeoDigest(registry.host, "margine", "stable"), digest);
  });
});
