import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { signatureTag } from "../../providers/oci/signature-verification";
import { generateTestKeyPair, signImage } from "../support/cosign-fixture";
import { runScript, startScript, waitUntil } from "../support/processes";
import { FaultProxy } from "../../fixtures/servers/fault-proxy";
import { LocalRegistry, pushTestImage, startRegistry } from "../../fixtures/servers/registry";
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
    const res = promote(["--image", `${registry.host}/margine`, "--digest", "sha256:abc", "--tags", "stable,latest", "--insecure", "--no-verify"]);
    assert.equal(res.status, 2);
    assert.match(res.stderr, /--digest: "sha256:abc" is not a digest/);
    assert.match(res.stderr, /"latest" is never promoted/);
    assert.doesNotMatch(res.stderr, /\n\s+at /);
  });

  it("promotes, printing one JSON object with before/after per tag and the request count", () => {
    const res = promote(["--image", `${registry.host}/margine`, "--digest", digest, "--tags", "stable,stable.20261120,20261120", "--insecure", "--no-verify"]);
    assert.equal(res.status, 0, res.stderr);
    const out = JSON.parse(res.stdout);
    assert.deepEqual(
      out.tags.map((t: { tag: string; before: string | null; after: string }) => [t.tag, t.before, t.after]),
      [
        ["stable", null, digest],
        ["stable.20261120", null, digest],
        ["20261120", null, digest],
      ],
    );
    assert.ok(out.requests <= 5, `${out.requests} requests`);
    assert.equal(skopeoDigest(registry.host, "margine", "20261120"), digest);
  });

  it("exits 3 and moves nothing when --expect does not match", () => {
    const res = promote([
      "--image",
      `${registry.host}/margine`,
      "--digest",
      other,
      "--tags",
      "stable,stable.20261121",
      "--expect",
      `stable=${other.replace(/.$/, "0")}`,
      "--insecure",
      "--no-verify",
    ]);
    assert.equal(res.status, 3, res.stderr);
    assert.match(res.stderr, /conflict, nothing was moved: :stable is at sha256:/);
    assert.equal(skopeoDigest(registry.host, "margine", "stable"), digest);
    assert.equal(skopeoDigest(registry.host, "margine", "stable.20261121"), null);
  });

  it("--dry-run reports what would move and moves nothing", () => {
    const res = promote([
      "--image",
      `${registry.host}/margine`,
      "--digest",
      other,
      "--tags",
      "stable,stable.20261121",
      "--expect",
      `stable=${digest}`,
      "--insecure",
      "--dry-run",
      "--no-verify",
    ]);
    assert.equal(res.status, 0, res.stderr);
    assert.deepEqual(
      JSON.parse(res.stdout).tags.map((t: { action: string }) => t.action),
      ["would-move", "would-move"],
    );
    assert.equal(skopeoDigest(registry.host, "margine", "stable"), digest);
  });

  it("refuses to move :stable alone to an older digest without --rollback, dry run included (exit 2)", () => {
    // `digest` holds stable and the dated tags of 20261120 (the promotion above); `other` carries no dated tag.
    for (const extra of [["--dry-run"], []]) {
      const res = promote(["--image", `${registry.host}/margine`, "--digest", other, "--tags", "stable", "--insecure", "--no-verify", ...extra]);
      assert.equal(res.status, 2, res.stderr);
      assert.match(res.stderr, /^error: .*carries no dated tag while the newest dated tag is 20261120 may be a rollback/m);
    }
    assert.equal(skopeoDigest(registry.host, "margine", "stable"), digest);
  });

  it("on SIGINT with a dated tag's PUT hanging, says what moved and leaves :stable in place (exit 130)", async () => {
    const proxy = await new FaultProxy(registry.host).start();
    try {
      proxy.faults.push({ method: "PUT", path: /\/manifests\/20261122$/, status: 0, hang: true });
      const run = startScript("promote", [
        "--image",
        `${proxy.host}/margine`,
        "--digest",
        other,
        "--tags",
        "stable,stable.20261122,20261122",
        "--insecure",
        "--no-verify",
      ]);
      await waitUntil(
        () => proxy.requests.some((r) => r.status === 0) && proxy.requests.some((r) => r.path.endsWith("/stable.20261122") && r.end !== undefined),
        20_000,
        "the hanging PUT",
      );
      run.child.kill("SIGINT");
      const { code } = await run.exited;
      assert.equal(code, 130, run.stderr());
      assert.match(
        run.stderr(),
        /^error: interrupted \(SIGINT\): promotion of .* incomplete: moved :stable\.20261122; in flight \(may or may not have moved\) :20261122; not moved :stable\./m,
      );
      assert.equal(skopeoDigest(registry.host, "margine", "stable"), digest);
      assert.ok(!proxy.requests.some((r) => r.method === "PUT" && r.path.endsWith("/manifests/stable")), "no PUT of :stable was sent");
    } finally {
      await proxy.stop();
    }
  });

  describe("the signature gate", () => {
    const keys = generateTestKeyPair();
    const other = generateTestKeyPair();
    let dir: string;
    let keyFile: string;
    before(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "margine-promote-keys-"));
      keyFile = path.join(dir, "cosign.pub");
      fs.writeFileSync(keyFile, keys.publicKey);
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("refuses with exit 2, before any request, without --verify-key or --no-verify", () => {
      const res = promote(["--image", `${registry.host}/margine`, "--digest", digest, "--tags", "stable.20261128", "--insecure"]);
      assert.equal(res.status, 2, res.stderr);
      assert.match(res.stderr, /refusing to promote without verifying the signature: pass --verify-key FILE/);
      assert.equal(skopeoDigest(registry.host, "margine", "stable.20261128"), null);
    });

    it("refuses a missing key file, a private key and both flags with exit 2", () => {
      const base = ["--image", `${registry.host}/margine`, "--digest", digest, "--tags", "stable.20261128", "--insecure"];
      assert.match(promote([...base, "--verify-key", path.join(dir, "nope.pub")]).stderr, /--verify-key .*nope\.pub: no such file/);
      const privateFile = path.join(dir, "cosign.key");
      fs.writeFileSync(privateFile, keys.privateKey.export({ format: "pem", type: "pkcs8" }));
      const priv = promote([...base, "--verify-key", privateFile]);
      assert.equal(priv.status, 2);
      assert.match(priv.stderr, /PRIVATE key/);
      assert.equal(promote([...base, "--verify-key", keyFile, "--no-verify"]).status, 2);
    });

    it("promotes a signed digest and says in the JSON what was verified", async () => {
      const signed = (await pushTestImage(registry.host, "margine", "candidate.20261123", { seed: "signed" })).digest;
      await signImage(registry.host, "margine", signed, keys.privateKey);
      const res = promote(["--image", `${registry.host}/margine`, "--digest", signed, "--tags", "stable.20261123", "--insecure", "--verify-key", keyFile]);
      assert.equal(res.status, 0, res.stderr);
      const out = JSON.parse(res.stdout);
      assert.equal(out.verification.verified, true);
      assert.equal(out.verification.digest, signed);
      assert.equal(out.verification.signatureTag, signatureTag(signed));
      assert.equal(out.verification.keyFile, keyFile);
      assert.match(out.verification.key, /^sha256:[0-9a-f]{64}$/);
      assert.equal(skopeoDigest(registry.host, "margine", "stable.20261123"), signed);
    });

    it("exits 4 and moves nothing for an unsigned digest and one signed by another key", async () => {
      const unsigned = (await pushTestImage(registry.host, "margine", "candidate.20261124", { seed: "unsigned" })).digest;
      const foreign = (await pushTestImage(registry.host, "margine", "candidate.20261125", { seed: "foreign" })).digest;
      await signImage(registry.host, "margine", foreign, other.privateKey);
      for (const [target, reason] of [
        [unsigned, /no signature: .* does not exist/],
        [foreign, /does not verify with the key/],
      ] as const) {
        const res = promote(["--image", `${registry.host}/margine`, "--digest", target, "--tags", "stable.20261126", "--insecure", "--verify-key", keyFile]);
        assert.equal(res.status, 4, res.stderr);
        assert.match(res.stderr, new RegExp(`@${target} is not signed by the key sha256:[0-9a-f]{64}`));
        assert.match(res.stderr, reason);
        assert.equal(res.stdout, "");
        assert.equal(skopeoDigest(registry.host, "margine", "stable.20261126"), null);
      }
    });
  });
});
