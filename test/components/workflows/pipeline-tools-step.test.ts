// "Install the pipeline's CLIs" as the pinned jobs run it (retention, staleness, build-disk's
// publish_ia): the rendered script, with bash and the real npm, in a checkout of the commit config
// toolsRef pins, taken from this clone with git archive. It proves what no other test can: that the
// pinned commit installs without install scripts and builds, and that each CLI the jobs call starts
// there (bad input on purpose: one line and the CLI's bad-input exit, before any request).
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { requireTool } from "../../../fixtures/system-tool";
import { runPeer } from "../../support/peers";
import { PROJECT_DIR } from "../../support/program-run";
import { parsed, step, toolsRefOf } from "./generated";

describe("the pinned jobs' install step, run at the commit toolsRef pins", function () {
  this.timeout(300_000);
  const git = requireTool("git", "git");
  const npm = requireTool("npm", "npm");
  const toolsRef = toolsRefOf("Pulumi.prod.yaml")!;
  let checkout: string;

  before(() => {
    checkout = fs.mkdtempSync(path.join(os.tmpdir(), "pipeline-at-tools-ref-"));
    // actions/checkout with `ref: toolsRef` and `path: pipeline`: the tree of that commit.
    execFileSync("bash", ["-euo", "pipefail", "-c", `"${git}" archive --format=tar "${toolsRef}" | tar -x -C "${checkout}"`], { cwd: PROJECT_DIR });
  });
  after(() => fs.rmSync(checkout, { recursive: true, force: true }));

  it("the three pinned jobs run the same install script, which installs and builds the pinned commit", async () => {
    const scripts = [
      step(parsed("retention.yml").jobs.retention, "Install the pipeline's CLIs"),
      step(parsed("staleness.yml").jobs.staleness, "Install the pipeline's CLIs"),
      step(parsed("build-disk.yml").jobs.publish_ia, "Install the pipeline's CLIs"),
    ];
    for (const s of scripts) assert.equal(s["working-directory"], "pipeline");
    assert.equal(new Set(scripts.map((s) => s.run)).size, 1, "one install script");
    const res = await runPeer("bash", ["-euo", "pipefail", "-c", scripts[0].run!], {
      cwd: checkout,
      timeoutMs: 280_000,
      env: { PATH: `${path.dirname(npm)}:${process.env.PATH}`, npm_config_loglevel: "error" },
    });
    assert.equal(res.code, 0, `${res.stdout}\n${res.stderr}`);
    for (const cli of ["publish-iso", "retention", "staleness"]) {
      assert.ok(fs.existsSync(path.join(checkout, "dist", "scripts", `${cli}.js`)), `dist/scripts/${cli}.js built`);
    }
  });

  for (const [cli, expected, exitCode] of [
    // staleness exits 3 on bad input: its exit codes are the client watchdog's (3: unknown).
    ["publish-iso", /^error: --identifier \(missing\)/m, 2],
    ["retention", /^error: --image \(missing\)/m, 2],
    ["staleness", /^error: --image is missing/m, 3],
  ] as const) {
    it(`npm run ${cli} starts at the pinned commit: bad input gets its one line`, async () => {
      const res = await runPeer(npm, ["run", "--silent", cli], { cwd: checkout, timeoutMs: 60_000 });
      assert.match(res.stdout + res.stderr, expected);
      assert.equal(res.code, exitCode, res.stderr);
    });
  }
});
