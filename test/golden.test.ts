// Golden files: every file the program generates (workflows, edge files, resources.json) for the
// example stacks, committed under test/golden/, so a review shows the generated diff next to the
// builder's diff. After a deliberate change: `npm run golden`, then review and commit the diff.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PROJECT_DIR } from "./support/program-run";
import { runScript } from "./support/processes";

/** policy.json is left out: its staleness findings depend on today's date (test/policy covers it). */
function tree(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || (entry.name === "policy.json" && entry.parentPath === dir)) continue;
    const full = path.join(entry.parentPath, entry.name);
    files.set(path.relative(dir, full), fs.readFileSync(full, "utf8"));
  }
  return files;
}

describe("golden files of the generated output", function () {
  this.timeout(180_000);
  for (const stack of ["example", "example-release"]) {
    it(`synth --stack ${stack} writes exactly test/golden/${stack} (else: npm run golden, review, commit)`, () => {
      const out = fs.mkdtempSync(path.join(os.tmpdir(), `golden-${stack}-`));
      try {
        const run = runScript("synth", ["--stack", stack, "--out", out]);
        assert.equal(run.code, 0, run.stderr);
        const expected = tree(path.join(PROJECT_DIR, "test", "golden", stack));
        const actual = tree(out);
        assert.deepEqual([...actual.keys()].sort(), [...expected.keys()].sort(), "the same files");
        for (const [file, text] of actual)
          assert.equal(text, expected.get(file), `${file} differs from test/golden/${stack}/${file}: run npm run golden and review the diff`);
      } finally {
        fs.rmSync(out, { recursive: true, force: true });
      }
    });
  }
});
