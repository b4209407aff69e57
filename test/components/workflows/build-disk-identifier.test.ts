// build-disk's "one ISO release per date" guard, run for real: the resolve step's bash, with real
// curl and jq against the IA emulator's metadata API (skopeo stands in for the registry: this test
// is about the IA item, not the digest). A second run the same day must refuse before the build,
// rather than overwrite the published ISO, its torrent and SHA256SUMS.
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { IaEmulator } from "../../../fixtures/servers/ia-emulator";
import { requireTool } from "../../../fixtures/system-tool";
import { parsed, step } from "./generated";

const DIGEST = `sha256:${"c".repeat(64)}`;

describe("build-disk: one IA item per date, never overwritten", function () {
  this.timeout(30_000);
  const resolve = step(parsed("build-disk.yml").jobs.build_disk, "Resolve :stable to a digest");
  let ia: IaEmulator;
  let dir: string;
  const today = new Date().toISOString().slice(0, 10).replace(/-/g, "");

  before(async () => {
    for (const [tool, pkg] of [
      ["curl", "curl"],
      ["jq", "jq"],
      ["bash", "bash"],
    ])
      requireTool(tool, pkg);
    ia = await new IaEmulator().start();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "build-disk-identifier-"));
    fs.writeFileSync(path.join(dir, "skopeo"), `#!/usr/bin/env bash\necho '${DIGEST}'\n`, { mode: 0o755 });
  });
  after(async () => {
    await ia.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function run(iaUrl = ia.url): Promise<{ code: number; stdout: string; output: string }> {
    const output = path.join(dir, "github-output");
    fs.writeFileSync(output, "");
    try {
      const { stdout } = await promisify(execFile)("bash", ["-euo", "pipefail", "-c", resolve.run!], {
        env: { ...process.env, PATH: `${dir}:${process.env.PATH}`, IMAGE: "ghcr.io/daniel-g-carrasco/margine", IA_URL: iaUrl, GITHUB_OUTPUT: output },
      });
      return { code: 0, stdout, output: fs.readFileSync(output, "utf8") };
    } catch (err) {
      const e = err as { code: number; stdout: string };
      return { code: e.code, stdout: e.stdout, output: fs.readFileSync(output, "utf8") };
    }
  }

  it("checks the public Internet Archive in the workflow", () => {
    assert.equal(resolve.env?.IA_URL, "https://archive.org");
  });

  it("the first run of the day gets margine-DATE", async () => {
    const res = await run();
    assert.equal(res.code, 0, res.stdout);
    assert.match(res.output, new RegExp(`^identifier=margine-${today}$`, "m"));
    assert.match(res.output, new RegExp(`^iso_name=margine-${today}\\.iso$`, "m"));
    assert.ok(
      ia.requests.some((r) => r.path === `/metadata/margine-${today}`),
      "asked IA",
    );
  });

  it("a second run the same day refuses, before any output, naming the item and the rerun", async () => {
    await ia.seedFile(`margine-${today}`, "margine", `margine-${today}.iso`, Buffer.from("published iso"));
    const res = await run();
    assert.equal(res.code, 1);
    assert.match(
      res.stdout,
      new RegExp(
        `::error::${ia.url.replace(/[.]/g, "\\.")}/details/margine-${today} already exists and IA items are never overwritten \\(one ISO release per date\\)`,
      ),
    );
    assert.match(res.stdout, /gh run rerun --failed RUN_ID/);
    assert.equal(res.output, "", "no identifier for the build");
  });

  it("an unreachable IA is not taken for a free identifier", async () => {
    const res = await run("http://127.0.0.1:9"); // nothing listens on the discard port
    assert.notEqual(res.code, 0);
    assert.equal(res.output, "");
  });
});
