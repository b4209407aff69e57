// The published policy pack under the real Pulumi engine: release.yml's preview command, run with
// the pack as `pulumi policy publish` ships it (installed outside the project), against a program
// that declares each mistake the handbook warns about. The pack must stop each one in the preview,
// naming its policy, before anything is created (the release stack's own tests: release-stack.test.ts).
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LocalRegistry, pushTestImage, startRegistry } from "../../fixtures/servers/registry";
import { EngineWorkspace, releaseWorkflowCommand } from "../support/engine";
import { PublishedPack, installPublishedPack } from "../support/published-pack";

describe("the published policy pack under the real Pulumi engine (release.yml's preview command)", function () {
  this.timeout(600_000);
  let ws: EngineWorkspace;
  let published: PublishedPack;
  let registry: LocalRegistry;
  let digest: string;

  before(async () => {
    ws = EngineWorkspace.create();
    published = installPublishedPack();
    registry = await startRegistry();
    digest = (await pushTestImage(registry.host, "margine", "candidate.20261120", { seed: "p" })).digest;
    // The mistakes the handbook warns about, declared directly (the release stack's config refuses
    // them before any resource exists; here they reach the engine, where the pack must stop them).
    fs.writeFileSync(
      path.join(ws.dir, "index.ts"),
      `
import { Promotion } from "./providers/oci/promotion";
import { IaItem } from "./providers/ia/ia-item";
const image = ${JSON.stringify(`${registry.host}/margine`)};
const digest = ${JSON.stringify(digest)};
const evidence = { bootRun: "https://github.com/daniel-g-carrasco/margine-image/actions/runs/7", bootedAt: "2026-11-20T09:00:00Z" };
const tags = ["stable", "stable.20261120", "20261120"];
// One mistake per preview: the engine stops at the first invalid resource.
switch (process.env.MISTAKE) {
  case "to-latest": new Promotion("to-latest", { image, digest, tags: ["latest"], evidence, insecure: true }); break;
  case "tag-only": new Promotion("tag-only", { image: image + ":candidate", digest, tags, evidence, insecure: true }); break;
  case "no-evidence": new Promotion("no-evidence", { image, digest, tags, evidence: { bootRun: "", bootedAt: "" }, insecure: true }); break;
  case "unretained": new IaItem("unretained", { identifier: "margine-20261120", files: [{ name: "margine-20261120.iso", sha256: "${"a".repeat(64)}", md5: "${"b".repeat(32)}", size: 1 }], metadata: {} }); break;
  default: throw new Error("MISTAKE is not set");
}
`,
    );
    ws.writeStackFile("release", "config: {}\n");
    const init = await ws.pulumi(["stack", "init", "release"], { PULUMI_CONFIG_PASSPHRASE: "" });
    assert.equal(init.code, 0, init.output);
  });

  after(async () => {
    await registry?.stop();
    ws?.dispose();
    published?.dispose();
  });

  for (const [policy, mistake, message] of [
    ["no-latest-tag", "to-latest", /:latest/],
    ["promote-by-digest", "tag-only", /its source is never a tag/],
    ["booted-evidence", "no-evidence", /boot/i],
    ["ia-items-retained", "unretained", /retain/i],
  ] as const) {
    it(`${mistake}: the preview fails naming ${policy} and its message, and nothing is created`, async () => {
      const preview = releaseWorkflowCommand("preview", "pulumi preview", { "vars.PULUMI_BACKEND_URL": `file://${ws.backend}` });
      const runnerTemp = fs.mkdtempSync(path.join(os.tmpdir(), "runner-temp-"));
      // The pack as `pulumi policy publish` ships it, installed outside the project.
      const res = await ws.run(preview.script, { ...preview.env, POLICY_PACK: published.dir, RUNNER_TEMP: runnerTemp, MISTAKE: mistake });
      assert.notEqual(res.code, 0, res.output);
      const line = res.output.split("\n").find((l) => l.includes("[mandatory]") && l.includes(policy) && l.includes(mistake));
      assert.ok(line, `no mandatory ${policy} violation on ${mistake}:\n${res.output}`);
      assert.match(res.output.slice(res.output.indexOf(line)), message);
      const exported = await ws.pulumi(["stack", "export", "--stack", "release"], { PULUMI_CONFIG_PASSPHRASE: "" });
      assert.doesNotMatch(exported.stdout, /dynamic\/margine:(Promotion|IaItem)/, "nothing was created");
    });
  }
});
