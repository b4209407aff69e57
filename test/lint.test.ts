// The lint gate (npm run lint in npm test) is live, and every exception to it says why.
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_DIR } from "./support/program-run";

describe("lint gate", function () {
  this.timeout(180_000);

  it("every eslint-disable comment gives its reason on the same line (`-- why`)", () => {
    const files = execFileSync("git", ["ls-files", "*.ts", "*.js", "*.mjs"], { cwd: PROJECT_DIR, encoding: "utf8" }).split("\n").filter(Boolean);
    assert.ok(files.length > 50);
    const bare = files
      .filter((f) => f !== "test/lint.test.ts")
      .flatMap((f) =>
        fs
          .readFileSync(path.join(PROJECT_DIR, f), "utf8")
          .split("\n")
          .map((line, i) => ({ where: `${f}:${i + 1}`, line }))
          .filter(({ line }) => /eslint-disable/.test(line) && !/eslint-disable[\w-]*\s+\S+.*\s--\s+\S/.test(line)),
      );
    assert.deepEqual(
      bare.map((b) => `${b.where}: ${b.line.trim()}`),
      [],
    );
  });

  it("comments point into the repository: every docs/ file named exists, nothing outside is named", () => {
    const files = execFileSync("git", ["ls-files", "*.ts", "*.js", "*.sh", "*.mjs"], { cwd: PROJECT_DIR, encoding: "utf8" })
      .split("\n")
      .filter((f) => f && !f.startsWith("test/golden/") && f !== "test/lint.test.ts");
    const problems: string[] = [];
    let links = 0;
    for (const f of files) {
      const text = fs.readFileSync(path.join(PROJECT_DIR, f), "utf8");
      for (const [doc] of text.matchAll(/docs\/[a-z-]+\.md/g)) {
        links++;
        if (!fs.existsSync(path.join(PROJECT_DIR, doc))) problems.push(`${f}: ${doc} does not exist`);
      }
      for (const [outside] of text.matchAll(/DESIGN\.md|\breference\/[\w-]+\.md|\bissues? #?\d+\b|\.\.\/shared\//gi))
        problems.push(`${f}: names ${outside}, which is not in this repository`);
    }
    assert.deepEqual(problems, []);
    assert.ok(links >= 20, `found ${links} links to docs/`);
  });

  it("rejects a floating promise and a promise where a callback is expected (type-aware rules)", async () => {
    const { ESLint } = await import("eslint");
    const eslint = new ESLint({ cwd: PROJECT_DIR });
    const text = [
      'import { EventEmitter } from "node:events";',
      "async function work(): Promise<void> {}",
      "work();",
      'new EventEmitter().on("x", async () => { await work(); });',
      "export {};",
      "",
    ].join("\n");
    // An existing file of the project, so the type-aware rules see it as part of the program.
    const [result] = await eslint.lintText(text, { filePath: path.join(PROJECT_DIR, "scripts", "cli.ts") });
    const rules = result.messages.map((m) => m.ruleId);
    assert.ok(rules.includes("@typescript-eslint/no-floating-promises"), rules.join(", "));
    assert.ok(rules.includes("@typescript-eslint/no-misused-promises"), rules.join(", "));
  });
});
