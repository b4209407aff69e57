// The signature gate proven with independent peers: the real cosign signs (cosign sign --key, no tlog)
// into the local docker-registry, `npm run promote --verify-key` gates on it, and the client side
// pulls :stable as bootc does: containers/image's own policy check (policy.json type
// sigstoreSigned, keyPath = cosign.pub, the handbook's client policy) through image-policy-copy,
// with `cosign verify --key` as a second opinion.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { RegistryClient } from "../../providers/oci/registry-client";
import { signatureTag } from "../../providers/oci/signature-verification";
import { FaultProxy } from "../../fixtures/servers/fault-proxy";
import { LocalRegistry, pushTestImage, startRegistry } from "../../fixtures/servers/registry";
import { inspectRaw, skopeoDigest } from "../providers/oci/registry-fixture";
import { requirePeer, runPeer } from "../support/peers";

const PROJECT_DIR = path.join(__dirname, "..", "..");

describe("signature-gated promotion against real cosign signatures and containers/image's policy check", function () {
  this.timeout(120_000);
  let cosign: string;
  let policyCopy: string;
  let registry: LocalRegistry;
  let work: string;
  let image: string;
  let cosignEnv: NodeJS.ProcessEnv;
  const http = ["--allow-insecure-registry", "--allow-http-registry"];

  before(async () => {
    cosign = requirePeer("cosign");
    policyCopy = requirePeer("image-policy-copy");
    registry = await startRegistry();
    image = `${registry.host}/margine`;
    work = fs.mkdtempSync(path.join(os.tmpdir(), "margine-sig-peers-"));
    fs.mkdirSync(path.join(work, "home"));
    // No password on the test keys; HOME keeps cosign's caches out of the user's.
    cosignEnv = { COSIGN_PASSWORD: "", HOME: path.join(work, "home") };
    for (const prefix of ["cosign", "other"]) {
      const res = await runPeer(cosign, ["generate-key-pair", "--output-key-prefix", prefix], { cwd: work, env: cosignEnv });
      assert.equal(res.code, 0, res.stderr);
    }
    // The handbook's client trust policy: only images of this repository signed by cosign.pub.
    fs.writeFileSync(
      path.join(work, "policy.json"),
      JSON.stringify({
        default: [{ type: "reject" }],
        transports: { docker: { [image]: [{ type: "sigstoreSigned", keyPath: path.join(work, "cosign.pub"), signedIdentity: { type: "matchRepository" } }] } },
      }),
    );
    fs.mkdirSync(path.join(work, "registries.d"));
    fs.writeFileSync(path.join(work, "registries.d", "default.yaml"), "default-docker:\n  use-sigstore-attachments: true\n");
  });
  after(async () => {
    await registry?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  const push = async (seed: string, platforms?: string[]) => (await pushTestImage(registry.host, "margine", `candidate-${seed}`, { seed, platforms })).digest;
  const sign = async (digest: string, key = "cosign.key", extra: string[] = []) => {
    const res = await runPeer(cosign, ["sign", "--key", key, "--tlog-upload=false", "--yes", ...extra, ...http, `${image}@${digest}`], {
      cwd: work,
      env: cosignEnv,
    });
    assert.equal(res.code, 0, res.stderr);
  };
  // Spawned without blocking this process: the fault proxy below answers from it.
  const promote = (digest: string, tags: string, over: { image?: string } = {}) =>
    runPeer(
      process.execPath,
      [
        "-r",
        require.resolve("ts-node/register/transpile-only"),
        path.join(PROJECT_DIR, "scripts", "promote.ts"),
        "--image",
        over.image ?? image,
        "--digest",
        digest,
        "--tags",
        tags,
        "--insecure",
        "--verify-key",
        path.join(work, "cosign.pub"),
      ],
      { cwd: PROJECT_DIR, env: { TS_NODE_PROJECT: path.join(PROJECT_DIR, "tsconfig.json") } },
    );
  const clientPull = async (tag: string) => {
    const dest = fs.mkdtempSync(path.join(work, "pull-"));
    return runPeer(policyCopy, [
      "--policy",
      path.join(work, "policy.json"),
      "--registries.d",
      path.join(work, "registries.d"),
      "--src-tls-verify=false",
      `docker://${image}:${tag}`,
      `dir:${dest}`,
    ]);
  };
  const cosignVerify = (ref: string) =>
    runPeer(cosign, ["verify", "--key", "cosign.pub", "--insecure-ignore-tlog=true", ...http, ref], { cwd: work, env: cosignEnv });

  it("cosign writes the .sig tag format: a simple-signing layer with the signature annotation", async () => {
    const digest = await push("format");
    await sign(digest);
    const { manifest } = inspectRaw(registry.host, "margine", signatureTag(digest)) as {
      manifest: { layers?: { mediaType: string; annotations?: Record<string, string> }[] };
    };
    assert.equal(manifest.layers?.[0].mediaType, "application/vnd.dev.cosign.simplesigning.v1+json");
    assert.ok(manifest.layers?.[0].annotations?.["dev.cosignproject.cosign/signature"]);
  });

  it("signed: promote moves the tags, and a client with the trust policy pulls :stable (cosign verify agrees)", async () => {
    const digest = await push("signed");
    await sign(digest);
    const res = await promote(digest, "stable,stable.20261201,20261201");
    assert.equal(res.code, 0, res.stderr);
    const out = JSON.parse(res.stdout);
    assert.equal(out.verification.verified, true);
    assert.equal(out.verification.signatureTag, signatureTag(digest));
    assert.equal(out.verification.dockerReference, image);
    assert.equal(skopeoDigest(registry.host, "margine", "stable"), digest);

    const pull = await clientPull("stable");
    assert.equal(pull.code, 0, `containers/image refused the signed :stable: ${pull.stderr}`);
    const second = await cosignVerify(`${image}:stable`);
    assert.equal(second.code, 0, second.stderr);
  });

  it("unsigned: exit 4, nothing moved, and the client would have refused it", async () => {
    const digest = await push("unsigned");
    const res = await promote(digest, "stable.20261202");
    assert.equal(res.code, 4, res.stderr);
    assert.match(res.stderr, new RegExp(`@${digest} is not signed by the key sha256:[0-9a-f]{64}: no signature`));
    assert.equal(skopeoDigest(registry.host, "margine", "stable.20261202"), null);
    await new RegistryClient({ registry: registry.host, insecure: true }).putManifest(
      "margine",
      "unsigned-probe",
      await new RegistryClient({ registry: registry.host, insecure: true }).getManifest("margine", digest),
    );
    const pull = await clientPull("unsigned-probe");
    assert.notEqual(pull.code, 0, "containers/image must refuse an unsigned image under the trust policy");
    assert.match(pull.stderr, /signature/i);
  });

  it("signed by another key: exit 4, nothing moved (cosign verify --key cosign.pub agrees)", async () => {
    const digest = await push("otherkey");
    await sign(digest, "other.key");
    const res = await promote(digest, "stable.20261203");
    assert.equal(res.code, 4, res.stderr);
    assert.match(res.stderr, /does not verify with the key sha256:/);
    assert.equal(skopeoDigest(registry.host, "margine", "stable.20261203"), null);
    assert.notEqual((await cosignVerify(`${image}@${digest}`)).code, 0);
  });

  it("another digest's signature copied under the right .sig tag: exit 4, nothing moved (cosign verify agrees)", async () => {
    const signed = await push("copy-from");
    const target = await push("copy-to");
    await sign(signed);
    const client = new RegistryClient({ registry: registry.host, insecure: true });
    await client.putManifest("margine", signatureTag(target), await client.getManifest("margine", signatureTag(signed)));
    const res = await promote(target, "stable.20261204");
    assert.equal(res.code, 4, res.stderr);
    assert.match(res.stderr, new RegExp(`the signature is for "${signed}", not for ${target}`));
    assert.equal(skopeoDigest(registry.host, "margine", "stable.20261204"), null);
    assert.notEqual((await cosignVerify(`${image}@${target}`)).code, 0);
  });

  it("a multi-arch index signed with cosign sign --recursive: moves, stays an index, and the client pulls it", async () => {
    const digest = await push("index", ["linux/amd64", "linux/arm64"]);
    await sign(digest, "cosign.key", ["--recursive"]);
    const res = await promote(digest, "stable.20261205");
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(
      JSON.parse(res.stdout).verification.platforms.map((p: { platform: string }) => p.platform),
      ["linux/amd64", "linux/arm64"],
    );
    const { digest: at, manifest } = inspectRaw(registry.host, "margine", "stable.20261205");
    assert.equal(at, digest);
    assert.equal(manifest.mediaType, "application/vnd.oci.image.index.v1+json");
    assert.equal(manifest.manifests?.length, 2);
    const pull = await clientPull("stable.20261205");
    assert.equal(pull.code, 0, pull.stderr);
  });

  it("an index signed only at the index digest: exit 4, since the client refuses its platform manifest", async () => {
    const digest = await push("index-only", ["linux/amd64", "linux/arm64"]);
    await sign(digest);
    const res = await promote(digest, "stable.20261207");
    assert.equal(res.code, 4, res.stderr);
    assert.match(res.stderr, /the index is signed, but its linux\/amd64 manifest sha256:[0-9a-f]{64} is not/);
    assert.equal(skopeoDigest(registry.host, "margine", "stable.20261207"), null);
    // What containers/image (bootc) does with such an index: it verifies the platform it pulls.
    const client = new RegistryClient({ registry: registry.host, insecure: true });
    await client.putManifest("margine", "index-only-probe", await client.getManifest("margine", digest));
    const pull = await clientPull("index-only-probe");
    assert.notEqual(pull.code, 0);
    assert.match(pull.stderr, /copying system image from manifest list: Source image rejected: A signature was required, but no signature exists/);
  });

  it("a registry that answers 404 for the .sig tag: exit 4 naming what was found, not a crash", async () => {
    const digest = await push("hidden");
    await sign(digest);
    const proxy = await new FaultProxy(registry.host).start();
    try {
      proxy.faults.push({ method: "GET", path: new RegExp(`/manifests/${signatureTag(digest).replace(/\./g, "\\.")}$`), status: 404, times: 10 });
      // A registry in front of the same storage that hides the .sig tag: a plain 404, as for an unsigned digest.
      const res = await promote(digest, "stable.20261206", { image: `${proxy.host}/margine` });
      assert.equal(res.code, 4, res.stderr);
      assert.match(res.stderr, /no signature: .* does not exist/);
      assert.doesNotMatch(res.stderr, /\n\s+at /);
      assert.equal(skopeoDigest(registry.host, "margine", "stable.20261206"), null);
    } finally {
      await proxy.stop();
    }
  });
});
