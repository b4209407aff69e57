// `npm run release-notes` against what build.yml leaves in a registry: images pushed with their OCI
// labels into the real docker-registry, signed and attested by the real cosign, the commits served
// by the GitHub stand-in. A known pair is compared with a golden file; then each way a side can
// fail to verify or be missing, a rollback, a first release, GitHub unreachable, attestations
// unreachable, and bad input.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { FaultProxy } from "../../fixtures/servers/fault-proxy";
import { closedPort } from "../../fixtures/servers/fault-servers";
import { GitHubApiStandIn } from "../../fixtures/servers/github-api";
import { LocalRegistry, startRegistry } from "../../fixtures/servers/registry";
import { runPeer } from "../support/peers";
import { cliArgs } from "../support/processes";
import { PROJECT_DIR } from "../support/program-run";
import { ReleaseImageBuilder } from "../support/release-images";
import { pushComparedImages, seedImageHistory } from "../support/release-notes-images";

const GOLDEN = path.join(PROJECT_DIR, "test", "golden", "release-notes", "update.md");

describe("release-notes CLI against real cosign attestations in the real registry", function () {
  this.timeout(180_000);
  let registry: LocalRegistry;
  let github: GitHubApiStandIn;
  let images: ReleaseImageBuilder;
  const digests: Record<string, string> = {};

  before(async () => {
    registry = await startRegistry();
    github = await new GitHubApiStandIn().start();
    seedImageHistory(github);
    images = new ReleaseImageBuilder(registry.host);
    await images.importKeys();
    Object.assign(digests, await pushComparedImages(images));
  });
  after(async () => {
    images?.dispose();
    await github?.stop();
    await registry?.stop();
  });

  const notes = (args: string[]) =>
    runPeer(
      process.execPath,
      cliArgs("release-notes", ["--image", images.image, "--insecure", "--github-api", github.url, "--verify-key", images.publicKeyFile("cosign"), ...args]),
      { cwd: PROJECT_DIR, timeoutMs: 60_000 },
    );
  const normalized = (text: string) => text.split(registry.host).join("REGISTRY");

  it("describes a known pair exactly as the golden file does", async () => {
    const res = await notes([
      "--from",
      digests.old,
      "--to",
      digests.new,
      "--boot-run",
      "https://github.com/daniel-g-carrasco/margine-image/actions/runs/19000000042",
      "--booted-at",
      "2026-12-05T06:00:00Z",
    ]);
    assert.equal(res.code, 0, res.stderr);
    const text = normalized(res.stdout);
    if (process.env.UPDATE_GOLDEN) {
      fs.mkdirSync(path.dirname(GOLDEN), { recursive: true });
      fs.writeFileSync(GOLDEN, text);
    }
    assert.equal(text, fs.readFileSync(GOLDEN, "utf8"), "after a deliberate change: UPDATE_GOLDEN=1 npx mocha test/scripts/release-notes.test.ts");
  });

  it("gives the same facts as JSON: the diff ordered by rpm's rules, the update's download, both sides verified", async () => {
    const res = await notes(["--from", digests.old, "--to", digests.new, "--format", "json"]);
    assert.equal(res.code, 0, res.stderr);
    const json = JSON.parse(res.stdout);
    assert.equal(json.kind, "update");
    assert.deepEqual(
      json.packages.upgraded.map((p: { name: string; arch: string }) => `${p.name}.${p.arch}`),
      ["glibc.i686", "glibc.x86_64", "kernel-core.x86_64", "mesa-dri-drivers.x86_64"],
    );
    assert.deepEqual(
      json.packages.downgraded.map((p: { name: string; from: string; to: string }) => `${p.name} ${p.from} ${p.to}`),
      ["systemd 257.9-1.fc42 257.7-1.fc42"],
    );
    assert.deepEqual(
      json.packages.added.map((p: { to: string }) => p.to),
      ["2:9.1.1818-1.fc42"],
    );
    assert.deepEqual(
      json.packages.removed.map((p: { name: string }) => p.name),
      ["nano"],
    );
    assert.equal(json.history.totalCommits, 4);
    assert.equal(json.update.layers, 1, "the shared layer is not downloaded again");
    assert.equal(json.update.totalLayers, 2);
    assert.equal(json.from.signature.status, "verified");
    assert.equal(json.to.packages.status, "verified");
    assert.deepEqual(json.gaps, []);
  });

  it("a package list attested with another key is reported as not verified, and no diff is shown", async () => {
    const res = await notes(["--from", digests.old, "--to", digests.foreign, "--format", "json"]);
    assert.equal(res.code, 0, res.stderr);
    const json = JSON.parse(res.stdout);
    assert.equal(json.to.packages.status, "unverified");
    assert.equal(json.to.packages.packages, undefined, "unverified content is not handed out");
    assert.equal(json.packages, undefined);
    assert.match(json.gaps.join("\n"), /package list of the new digest did not verify: .*does not verify with the key sha256:/);
    const md = await notes(["--from", digests.old, "--to", digests.foreign]);
    assert.match(md.stdout, /\| package list \| ✅ 7 packages, attestation verified \| ❌ not verified \|/);
    assert.doesNotMatch(md.stdout, /\| vim-enhanced /, "no package row from the unverified list");
  });

  it("a tampered attestation payload does not verify", async () => {
    const res = await notes(["--from", digests.old, "--to", digests.tampered, "--format", "json"]);
    assert.equal(res.code, 0, res.stderr);
    const json = JSON.parse(res.stdout);
    assert.equal(json.to.packages.status, "unverified");
    assert.equal(json.to.signature.status, "verified", "the image signature itself is intact");
    assert.match(json.gaps.join("\n"), /new digest did not verify/);
  });

  it("an old digest built before attestations gives notes that say so, and is older: a rollback when it is the new one", async () => {
    const update = JSON.parse((await notes(["--from", digests.unattested, "--to", digests.new, "--format", "json"])).stdout);
    assert.equal(update.from.packages.status, "missing");
    assert.match(update.gaps.join("\n"), /package list of the old digest is missing: no attestation: .*\.att does not exist; the package diff is not shown/);
    const back = await notes(["--from", digests.new, "--to", digests.unattested]);
    assert.equal(back.code, 0, back.stderr);
    assert.match(back.stdout, /^## Release notes: Rollback of /);
    assert.match(back.stdout, /This is a rollback/);
    assert.match(back.stdout, /package list of the new digest is missing/);
  });

  it("a first release has no old side and says so", async () => {
    const res = await notes(["--from", "none", "--to", digests.new]);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /^## Release notes: First release of /);
    assert.match(res.stdout, /\*\*Packages:\*\* 7 \(first release: nothing to compare\)/);
  });

  it("GitHub unreachable: the commits are named missing, the rest is given, exit 0", async () => {
    const res = await runPeer(
      process.execPath,
      cliArgs("release-notes", [
        "--image",
        images.image,
        "--insecure",
        "--github-api",
        `http://127.0.0.1:${await closedPort()}`,
        "--verify-key",
        images.publicKeyFile("cosign"),
        "--from",
        digests.old,
        "--to",
        digests.new,
        "--format",
        "json",
        "--connect-timeout",
        "2",
      ]),
      { cwd: PROJECT_DIR },
    );
    assert.equal(res.code, 0, res.stderr);
    const json = JSON.parse(res.stdout);
    assert.equal(json.history, undefined);
    assert.match(json.gaps.join("\n"), /^commits: GitHub could not be reached for daniel-g-carrasco\/margine-image/m);
    assert.equal(json.packages.upgraded.length, 4);
  });

  it("attestations the registry will not serve: the notes say so and still give labels and signatures", async () => {
    const proxy = await new FaultProxy(registry.host).start();
    try {
      proxy.faults.push({ method: "GET", path: /\.att$/, status: 500, times: 1000 });
      const res = await runPeer(
        process.execPath,
        cliArgs("release-notes", [
          "--image",
          `${proxy.host}/margine`,
          "--insecure",
          "--github-api",
          github.url,
          "--from",
          digests.old,
          "--to",
          digests.new,
          "--format",
          "json",
        ]),
        { cwd: PROJECT_DIR },
      );
      assert.equal(res.code, 0, res.stderr);
      const json = JSON.parse(res.stdout);
      assert.equal(json.to.packages.status, "unreadable");
      assert.match(json.gaps.join("\n"), /package list of the new digest could not be read: .*HTTP 500/);
      assert.equal(json.to.facts.version, "20261205");
      assert.equal(json.history.totalCommits, 4);
    } finally {
      await proxy.stop();
    }
  });

  for (const [args, message] of [
    [
      ["--from", "sha256:abc", "--to", `sha256:${"0".repeat(64)}`],
      /^error: --from sha256:abc: expected sha256: followed by 64 lowercase hex characters, or none/,
    ],
    [["--to", `sha256:${"0".repeat(64)}`], /^error: missing --from or --from-stack-file/],
    [["--from", "none", "--to", `sha256:${"0".repeat(64)}`, "--format", "html"], /^error: --format html: expected markdown, summary, json/],
    [["--from", "none", "--to-stack-file", "/nonexistent.yaml"], /^error: --to-stack-file \/nonexistent.yaml: no such file/],
  ] as const) {
    it(`bad input exits 2 with one line: ${args.join(" ")}`, async () => {
      const res = await notes([...args]);
      assert.equal(res.code, 2, res.stderr);
      assert.match(res.stderr, message);
      assert.equal(res.stderr.trim().split("\n").length <= 2, true, res.stderr);
      assert.equal(res.stdout, "");
    });
  }
});
