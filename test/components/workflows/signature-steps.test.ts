// The signature chain's own steps, run with bash as the runner runs them, with the real cosign and
// skopeo against the real registry: build.yml's sign job signs by digest, smoke-boot resolves
// :candidate once and refuses to boot what cosign.pub does not verify (loopbackRegistryTools says
// what the wrappers add).
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { LocalRegistry, pushTestImage, startRegistry } from "../../../fixtures/servers/registry";
import { requireTool } from "../../../fixtures/system-tool";
import { loopbackRegistryTools, PeerResult, runPeer } from "../../support/peers";
import { ReleaseImageBuilder } from "../../support/release-images";
import { parsed, step } from "./generated";

describe("the sign and verify steps, run with the real cosign and skopeo against the real registry", function () {
  this.timeout(120_000);
  const skopeo = requireTool("skopeo", "skopeo");
  let registry: LocalRegistry;
  let keys: ReleaseImageBuilder;
  let bin: string;
  let digest: string;
  const sign = step(parsed("build.yml").jobs.sign, "Sign the pushed digest").run!;
  const smoke = parsed("smoke-boot.yml").jobs.boot;
  const resolve = step(smoke, "Resolve image ref to digest").run!;
  const verify = step(smoke, "Verify the pinned digest's signature").run!;

  before(async () => {
    registry = await startRegistry();
    keys = new ReleaseImageBuilder(registry.host);
    await keys.importKeys();
    bin = path.join(keys.work, "bin");
    fs.mkdirSync(bin);
    loopbackRegistryTools(bin, skopeo);
    digest = (await pushTestImage(registry.host, "margine", "candidate", { seed: "signature-steps" })).digest;
  });
  after(async () => {
    keys?.dispose();
    await registry?.stop();
  });

  const runStep = (script: string, env: Record<string, string>, cwd = keys.work): Promise<PeerResult> =>
    runPeer("bash", ["-euo", "pipefail", "-c", script], {
      cwd,
      env: { PATH: `${bin}:${process.env.PATH}`, HOME: path.join(keys.work, "home"), RUNNER_TEMP: keys.work, ...env },
    });
  const signEnv = (digestValue: string) => ({
    IMAGE: `${registry.host}/margine`,
    DIGEST: digestValue,
    COSIGN_PRIVATE_KEY: fs.readFileSync(path.join(keys.work, "cosign.key"), "utf8"),
    COSIGN_PASSWORD: "",
    REGISTRY_USER: "margine-bot",
    REGISTRY_PASSWORD: "a-token",
  });
  /** smoke-boot's checkout: the image repository with its published cosign.pub. */
  const checkout = (key: "cosign" | "other" | "none"): string => {
    const dir = fs.mkdtempSync(path.join(keys.work, "checkout-"));
    if (key !== "none") fs.copyFileSync(keys.publicKeyFile(key), path.join(dir, "cosign.pub"));
    return dir;
  };

  it("smoke-boot resolves :candidate once, with skopeo, to the digest the build pushed", async () => {
    const output = path.join(keys.work, "resolve-output");
    const res = await runStep(resolve, { IMAGE: `${registry.host}/margine`, GITHUB_OUTPUT: output });
    assert.equal(res.code, 0, res.stderr);
    assert.equal(fs.readFileSync(output, "utf8"), `digest=${digest}\npinned=${registry.host}/margine@${digest}\n`);
  });

  it("an unsigned digest is refused before the boot: one error line, exit 1", async () => {
    const res = await runStep(verify, { PINNED: `${registry.host}/margine@${digest}` }, checkout("cosign"));
    assert.equal(res.code, 1);
    assert.match(res.stdout, /^::error::.*is not signed by cosign\.pub \(its sign job failed or has not finished\): not booting, no release pull request$/m);
  });

  it("the sign job refuses what is not a manifest digest, and signs nothing", async () => {
    const res = await runStep(sign, signEnv("stable"));
    assert.equal(res.code, 1);
    assert.match(res.stdout, /^::error::the build job handed over 'stable', not a manifest digest; refusing to sign$/m);
    const tags = (await (await fetch(`http://${registry.host}/v2/margine/tags/list`)).json()) as { tags: string[] };
    assert.deepEqual(tags.tags, ["candidate"]);
  });

  it("the sign job signs the digest; smoke-boot then verifies it with cosign.pub, and not with another key or none", async () => {
    const signed = await runStep(sign, signEnv(digest));
    assert.equal(signed.code, 0, signed.stderr);
    const tags = (await (await fetch(`http://${registry.host}/v2/margine/tags/list`)).json()) as { tags: string[] };
    assert.ok(tags.tags.includes(`sha256-${digest.slice("sha256:".length)}.sig`), JSON.stringify(tags));

    const pinned = `${registry.host}/margine@${digest}`;
    const ok = await runStep(verify, { PINNED: pinned }, checkout("cosign"));
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, new RegExp(`^Signature of ${pinned.replace(/[.]/g, "\\.")} verified with cosign\\.pub$`, "m"));

    const other = await runStep(verify, { PINNED: pinned }, checkout("other"));
    assert.equal(other.code, 1);
    assert.match(other.stdout, /is not signed by cosign\.pub/);
    const missing = await runStep(verify, { PINNED: pinned }, checkout("none"));
    assert.equal(missing.code, 1);
    assert.match(missing.stdout, /^::error::cosign\.pub is missing from the image repository/m);
  });
});
