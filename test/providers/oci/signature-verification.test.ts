import { strict as assert } from "node:assert";
import { parseCosignPublicKey } from "../../../grammar/public-key";
import { RegistryClient } from "../../../providers/oci/registry-client";
import { SignatureVerificationError, signatureTag, verifyImageSignature } from "../../../providers/oci/signature-verification";
import { cosignPayload, generateTestKeyPair, putSignature, signImage, signPayload, signRecursively } from "../../support/cosign-fixture";
import { LocalRegistry, pushTestImage, startRegistry } from "../../../fixtures/servers/registry";

describe("cosign signature verification (OCI client, node:crypto)", function () {
  this.timeout(60_000);

  describe("the public key", () => {
    it("accepts an ECDSA P-256 PEM public key and names it by the sha256 of its DER form", () => {
      const parsed = parseCosignPublicKey(generateTestKeyPair().publicKey);
      assert.ok(!("problem" in parsed));
      assert.match(parsed.fingerprint, /^sha256:[0-9a-f]{64}$/);
    });

    it("refuses a private key, another curve and text that is no key, saying why", () => {
      const { privateKey } = generateTestKeyPair();
      const pem = privateKey.export({ format: "pem", type: "pkcs8" }).toString();
      assert.match((parseCosignPublicKey(pem) as { problem: string }).problem, /PRIVATE key/);
      assert.match((parseCosignPublicKey(generateTestKeyPair("secp384r1").publicKey) as { problem: string }).problem, /secp384r1.*P-256/);
      assert.match((parseCosignPublicKey("cosign.pub") as { problem: string }).problem, /PEM public key/);
      assert.match((parseCosignPublicKey("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----") as { problem: string }).problem, /not a readable PEM/);
    });
  });

  describe("against a registry", () => {
    let registry: LocalRegistry;
    let client: RegistryClient;
    let image: string;
    const keys = generateTestKeyPair();
    const other = generateTestKeyPair();

    before(async () => {
      registry = await startRegistry();
      client = new RegistryClient({ registry: registry.host, insecure: true });
      image = `${registry.host}/margine`;
    });
    after(async () => registry.stop());

    const push = async (seed: string, platforms?: string[]) => (await pushTestImage(registry.host, "margine", `candidate-${seed}`, { seed, platforms })).digest;
    const verify = (digest: string, publicKey = keys.publicKey) => verifyImageSignature(client, { image, repository: "margine", digest, publicKey });
    const refused = async (digest: string, pattern: RegExp, publicKey = keys.publicKey) => {
      await assert.rejects(verify(digest, publicKey), (err: Error) => {
        assert.ok(err instanceof SignatureVerificationError, String(err));
        assert.equal(err.digest, digest);
        assert.match(err.message, new RegExp(`${image.replace(/\./g, "\\.")}@${digest} is not signed by the key sha256:[0-9a-f]{64}`));
        assert.match(err.message, pattern);
        return true;
      });
    };

    it("verifies a signature by the key, naming the signature tag, manifest, layer and key", async () => {
      const digest = await push("signed");
      const manifest = await signImage(registry.host, "margine", digest, keys.privateKey);
      const result = await verify(digest);
      assert.deepEqual(result, {
        digest,
        key: (parseCosignPublicKey(keys.publicKey) as { fingerprint: string }).fingerprint,
        signatureTag: signatureTag(digest),
        signatureManifest: manifest,
        layer: result.layer,
        dockerReference: image,
      });
      assert.match(result.layer, /^sha256:[0-9a-f]{64}$/);
    });

    it("refuses a digest with no .sig tag (the registry answers 404)", async () => {
      const digest = await push("unsigned");
      await refused(digest, new RegExp(`no signature: .*:${signatureTag(digest).replace(/\./g, "\\.")} does not exist`));
    });

    it("refuses a signature by another key", async () => {
      const digest = await push("otherkey");
      await signImage(registry.host, "margine", digest, other.privateKey);
      await refused(digest, /does not verify with the key sha256:/);
    });

    it("refuses another digest's signature copied under this digest's .sig tag", async () => {
      const signed = await push("copied-from");
      const target = await push("copied-to");
      await signImage(registry.host, "margine", signed, keys.privateKey);
      await client.putManifest("margine", signatureTag(target), await client.getManifest("margine", signatureTag(signed)));
      await refused(target, new RegExp(`the signature is for "${signed}", not for ${target}`));
    });

    it("refuses a signature naming another repository or another type", async () => {
      const digest = await push("identity");
      const foreign = cosignPayload("ghcr.io/someone/else", digest);
      const typed = cosignPayload(image, digest, "atomic container signature");
      await putSignature(registry.host, "margine", digest, [
        { payload: foreign, signature: signPayload(foreign, keys.privateKey) },
        { payload: typed, signature: signPayload(typed, keys.privateKey) },
      ]);
      await refused(digest, /none of the 2 signature\(s\).*names the repository "ghcr\.io\/someone\/else".*payload type is "atomic container signature"/);
    });

    it("accepts when any one layer verifies, even after layers that do not", async () => {
      const digest = await push("layers");
      const good = cosignPayload(image, digest);
      const bad = cosignPayload(
        image,
        digest.replace(/.$/, (c) => (c === "0" ? "1" : "0")),
      );
      await putSignature(registry.host, "margine", digest, [
        { payload: bad, signature: signPayload(bad, keys.privateKey) },
        { payload: Buffer.from("{}") },
        { payload: good, signature: signPayload(good, keys.privateKey) },
      ]);
      assert.equal((await verify(digest)).digest, digest);
    });

    it("refuses a layer without the signature annotation, and a payload altered after signing", async () => {
      const digest = await push("altered");
      const signedPayload = cosignPayload(image, digest);
      const altered = Buffer.from(signedPayload.toString().replace("cosign container image signature", "cosign container image signaturE"));
      await putSignature(registry.host, "margine", digest, [
        { payload: signedPayload },
        { payload: altered, signature: signPayload(signedPayload, keys.privateKey) },
      ]);
      await refused(digest, /no dev\.cosignproject\.cosign\/signature annotation.*does not verify with the key/);
    });

    it("verifies an index at the index digest and at each platform manifest (cosign sign --recursive)", async () => {
      const digest = await push("index", ["linux/amd64", "linux/arm64"]);
      const children = await signRecursively(registry.host, "margine", digest, keys.privateKey);
      const result = await verify(digest);
      assert.equal(result.digest, digest);
      assert.deepEqual(
        result.platforms?.map((p) => [p.platform, p.digest, p.signatureTag]),
        [
          ["linux/amd64", children[0], signatureTag(children[0])],
          ["linux/arm64", children[1], signatureTag(children[1])],
        ],
      );
    });

    it("refuses an index signed only at the index digest, naming the unsigned platform manifest", async () => {
      const digest = await push("index-only", ["linux/amd64", "linux/arm64"]);
      await signImage(registry.host, "margine", digest, keys.privateKey);
      await refused(
        digest,
        /the index is signed, but its linux\/amd64 manifest sha256:[0-9a-f]{64} is not \(no signature: .*\); bootc pulls one platform.*cosign sign --recursive/,
      );
    });

    it("refuses with an unusable key before reading the registry", async () => {
      const digest = await push("badkey");
      const before = client.requestCount;
      await assert.rejects(verify(digest, "not a key"), (err: Error) => {
        assert.ok(err instanceof SignatureVerificationError);
        assert.match(err.message, /is not signed by the key \(unusable key\): the verification key is not a PEM public key/);
        return true;
      });
      assert.equal(client.requestCount, before);
    });
  });
});
