import { strict as assert } from "node:assert";
import { PromotionInputs, PromotionProvider } from "../../../providers/oci/promotion";
import { signatureTag } from "../../../providers/oci/signature-verification";
import { generateTestKeyPair, signImage } from "../../support/cosign-fixture";
import { LocalRegistry, pushTestImage, startRegistry } from "../../../fixtures/servers/registry";
import { HostError, ProviderHost, serializeProvider } from "../../support/provider-host";
import { skopeoDigest } from "./registry-fixture";

describe("Promotion verifies the cosign signature first (real dynamic-provider host)", function () {
  this.timeout(60_000);
  const evidence = { bootRun: "https://github.com/daniel-g-carrasco/margine-image/actions/runs/43", bootedAt: "2026-11-20T10:00:00Z" };
  const keys = generateTestKeyPair();
  const other = generateTestKeyPair();
  let registry: LocalRegistry;
  let host: ProviderHost;
  let provider: string;
  let image: string;

  before(async () => {
    registry = await startRegistry();
    image = `${registry.host}/margine`;
    host = await ProviderHost.start();
    provider = await serializeProvider(new PromotionProvider());
  });
  after(async () => {
    await host.stop();
    await registry.stop();
  });

  const inputs = (digest: string, over: Partial<PromotionInputs> = {}): PromotionInputs => ({
    image,
    digest,
    tags: ["stable", "stable.20261120", "20261120"],
    evidence,
    rollback: false,
    insecure: true,
    cosignPublicKey: keys.publicKey,
    ...over,
  });

  it("check refuses a verification key that is not a P-256 PEM public key, before any request", async () => {
    const { failures } = await host.check(provider, {}, inputs(`sha256:${"a".repeat(64)}`, { cosignPublicKey: "ssh-ed25519 AAAA" }));
    assert.deepEqual(
      failures.map((f) => f.property),
      ["cosignPublicKey"],
    );
    assert.match(failures[0].reason, /not a PEM public key/);
  });

  it("create of an unsigned digest fails naming digest, key and what was found, and moves nothing", async () => {
    const digest = (await pushTestImage(registry.host, "margine", "candidate.20261119", { seed: "unsigned" })).digest;
    const checked = (await host.check(provider, {}, inputs(digest))).inputs;
    await assert.rejects(host.create(provider, checked), (err: HostError) => {
      assert.match(
        err.message,
        new RegExp(`@${digest} is not signed by the key sha256:[0-9a-f]{64}: no signature: .*:${signatureTag(digest).replace(/\./g, "\\.")} does not exist`),
      );
      assert.match(err.message, /Nothing was moved/);
      return true;
    });
    for (const tag of ["stable", "stable.20261120", "20261120"]) assert.equal(skopeoDigest(registry.host, "margine", tag), null);
  });

  it("create of a signed digest moves the tags and records the verified signature; an update to a digest signed by another key moves nothing", async () => {
    const digest = (await pushTestImage(registry.host, "margine", "candidate.20261120", { seed: "signed" })).digest;
    const sigManifest = await signImage(registry.host, "margine", digest, keys.privateKey);
    const checked = (await host.check(provider, {}, inputs(digest))).inputs;
    const { id, outs } = await host.create(provider, checked);
    assert.equal(skopeoDigest(registry.host, "margine", "stable"), digest);
    assert.equal(outs.signature.digest, digest);
    assert.equal(outs.signature.signatureManifest, sigManifest);
    assert.equal(outs.signature.dockerReference, image);

    const next = (await pushTestImage(registry.host, "margine", "candidate.20261127", { seed: "foreign" })).digest;
    await signImage(registry.host, "margine", next, other.privateKey);
    const news = (
      await host.check(provider, checked, inputs(next, { tags: ["stable", "stable.20261127"], evidence: { ...evidence, bootedAt: "2026-11-27T10:00:00Z" } }))
    ).inputs;
    await assert.rejects(
      host.update(provider, id, outs, news),
      /is not signed by the key sha256:[0-9a-f]{64}: none of the 1 signature\(s\).*does not verify with the key/,
    );
    assert.equal(skopeoDigest(registry.host, "margine", "stable"), digest);
    assert.equal(skopeoDigest(registry.host, "margine", "stable.20261127"), null);
  });

  it("a changed key alone is a diff (the next update verifies against it)", async () => {
    const digest = `sha256:${"b".repeat(64)}`;
    const olds = { ...inputs(digest), tagDigests: { stable: digest, "stable.20261120": digest, "20261120": digest }, mediaType: "x" };
    assert.equal((await host.diff(provider, "id", olds, inputs(digest))).changes, "none");
    assert.equal((await host.diff(provider, "id", olds, inputs(digest, { cosignPublicKey: other.publicKey }))).changes, "some");
  });
});
