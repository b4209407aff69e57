// Regression: retention keeps every `sha256-*.sig` tag and signature manifest of a
// kept version, with signatures written by the real cosign, so a client with the trust policy can
// still verify :stable after the weekly clean-up.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { RegistryClient } from "../../providers/oci/registry-client";
import { signatureTag, verifyImageSignature } from "../../providers/oci/signature-verification";
import { retentionMain } from "../../scripts/retention";
import { LocalRegistry, pushTestImage, startRegistry } from "../../fixtures/servers/registry";
import { skopeoDigest } from "../providers/oci/registry-fixture";
import { requirePeer, runPeer } from "../support/peers";

const DAY = 86_400_000;
const stamp = (t: number) => new Date(t).toISOString().slice(0, 10).replace(/-/g, "");
const daysAgo = (n: number) => new Date(Date.now() - n * DAY).toISOString();

describe("retention keeps real cosign signatures of kept versions", function () {
  this.timeout(120_000);
  let cosign: string;
  let registry: LocalRegistry;
  let work: string;
  let client: RegistryClient;
  const http = ["--allow-insecure-registry", "--allow-http-registry"];
  const digests: Record<string, string> = {};
  const signatures: Record<string, string> = {};
  const oldCandidate = `candidate.${stamp(Date.now() - 40 * DAY)}`;
  const dated = stamp(Date.now() - 45 * DAY);

  before(async () => {
    cosign = requirePeer("cosign");
    registry = await startRegistry();
    client = new RegistryClient({ registry: registry.host, insecure: true });
    work = fs.mkdtempSync(path.join(os.tmpdir(), "margine-retention-sig-"));
    fs.mkdirSync(path.join(work, "home"));
    const env = { COSIGN_PASSWORD: "", HOME: path.join(work, "home") };
    assert.equal((await runPeer(cosign, ["generate-key-pair"], { cwd: work, env })).code, 0);
    digests.stable = (await pushTestImage(registry.host, "margine", "stable", { seed: "stable", created: daysAgo(45) })).digest;
    digests.index = (
      await pushTestImage(registry.host, "margine", `stable.${dated}`, { seed: "index", created: daysAgo(45), platforms: ["linux/amd64", "linux/arm64"] })
    ).digest;
    digests.expired = (await pushTestImage(registry.host, "margine", oldCandidate, { seed: "expired", created: daysAgo(40) })).digest;
    digests.pr = (await pushTestImage(registry.host, "margine", "pr-1", { seed: "pr", created: daysAgo(20) })).digest;
    // An expired pr tag on the stable digest too: the version must survive for its stable tag.
    await client.putManifest("margine", "pr-3", await client.getManifest("margine", digests.stable));
    for (const which of ["stable", "index", "expired"]) {
      // --recursive, as build.yml signs: the index and each platform manifest.
      const res = await runPeer(
        cosign,
        ["sign", "--key", "cosign.key", "--tlog-upload=false", "--yes", "--recursive", ...http, `${registry.host}/margine@${digests[which]}`],
        { cwd: work, env },
      );
      assert.equal(res.code, 0, res.stderr);
      signatures[which] = skopeoDigest(registry.host, "margine", signatureTag(digests[which]))!;
    }
  });
  after(async () => {
    await registry?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it("--apply removes the expired versions and leaves every signature of a kept version verifiable", async () => {
    const report = await retentionMain(["--image", `${registry.host}/margine`, "--insecure", "--apply"], {});
    assert.deepEqual(
      report.remove
        .map((r) => r.tags)
        .flat()
        .sort(),
      [oldCandidate, "pr-1"].sort(),
    );
    assert.equal(skopeoDigest(registry.host, "margine", "pr-1"), null);

    const publicKey = fs.readFileSync(path.join(work, "cosign.pub"), "utf8");
    for (const kept of ["stable", "index"]) {
      assert.equal(skopeoDigest(registry.host, "margine", signatureTag(digests[kept])), signatures[kept], `${kept}: the .sig tag and its manifest are kept`);
      const verified = await verifyImageSignature(client, { image: `${registry.host}/margine`, repository: "margine", digest: digests[kept], publicKey });
      assert.equal(verified.signatureManifest, signatures[kept]);
      if (kept === "index") assert.equal(verified.platforms?.length, 2, "each platform manifest's signature survives too");
      const second = await runPeer(
        cosign,
        ["verify", "--key", "cosign.pub", "--insecure-ignore-tlog=true", ...http, `${registry.host}/margine@${digests[kept]}`],
        { cwd: work, env: { HOME: path.join(work, "home") } },
      );
      assert.equal(second.code, 0, `${kept}: ${second.stderr}`);
    }
    // A signature tag is never removed on its own, even when its subject expired.
    assert.equal(skopeoDigest(registry.host, "margine", signatureTag(digests.expired)), signatures.expired);
  });
});
