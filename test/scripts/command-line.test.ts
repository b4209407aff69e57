// One way to read a command line: every CLI in scripts/ goes through scripts/cli.ts's
// parseCommandLine, so a bad flag is the same usage error (exit 2 unless the CLI says otherwise,
// the flag named, then the usage) everywhere, and a flag value that starts with a dash reaches the
// CLI's own check. node:util parseArgs is called in scripts/cli.ts and nowhere else.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_DIR } from "../support/program-run";
import { runScript } from "../support/processes";

const SCRIPTS = path.join(PROJECT_DIR, "scripts");
const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "package.json"), "utf8")) as { bin: Record<string, string>; scripts: Record<string, string> };

/** The CLIs package.json runs (bin commands and npm scripts), by file name in scripts/. */
function packagedClis(): Set<string> {
  const names = new Set<string>();
  for (const target of Object.values(pkg.bin)) names.add(/^dist\/scripts\/([a-z0-9-]+)\.js$/.exec(target)![1]);
  for (const command of Object.values(pkg.scripts)) {
    for (const [, name] of command.matchAll(/run-compiled\.js ([a-z0-9-]+)/g)) names.add(name);
    for (const [, name] of command.matchAll(/\bscripts\/([a-z0-9-]+)\.ts\b/g)) names.add(name);
  }
  return new Set([...names].filter((n) => fs.existsSync(path.join(SCRIPTS, `${n}.ts`))));
}

/** Every .ts file under scripts/, relative to it. */
function scriptSources(dir = SCRIPTS): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return scriptSources(full);
    return e.name.endsWith(".ts") ? [path.relative(SCRIPTS, full)] : [];
  });
}

const source = (file: string) => fs.readFileSync(path.join(SCRIPTS, file), "utf8");
const importsParseCommandLine = (text: string) =>
  /^import \{[^}]*\bparseCommandLine\b[^}]*\} from "\.\/cli";$/m.test(text) && /\bparseCommandLine\(/.test(text);

/** CLIs that take no arguments at all: nothing to parse, and they never read process.argv. */
const WITHOUT_ARGUMENTS = new Set(["bench-notes"]);

describe("command lines: one parser", function () {
  this.timeout(120_000);

  it("every CLI in scripts/ reads its arguments with parseCommandLine from scripts/cli.ts", () => {
    const clis = packagedClis();
    assert.ok(clis.size >= 14, [...clis].join(", "));
    // A CLI package.json does not name still counts once it reads process.argv.
    for (const file of scriptSources()) if (file !== "cli.ts" && /\bprocess\.argv\b/.test(source(file))) clis.add(file.replace(/\.ts$/, ""));
    const offenders = [...clis].filter((name) => {
      const text = source(`${name}.ts`);
      return WITHOUT_ARGUMENTS.has(name) ? /\bprocess\.argv\b/.test(text) : !importsParseCommandLine(text);
    });
    assert.deepEqual(offenders, []);
  });

  it("node:util parseArgs appears in scripts/cli.ts and in no other file under scripts/", () => {
    assert.match(source("cli.ts"), /^import \{[^}]*\bparseArgs\b[^}]*\} from "node:util";$/m, "the scan sees the import it looks for");
    const files = scriptSources();
    assert.ok(files.includes(path.join("offline", "evaluate.ts")), "the scan reaches scripts/offline/");
    assert.deepEqual(
      files.filter((f) => f !== "cli.ts" && /\bparseArgs\b/.test(source(f))),
      [],
    );
  });

  it("npm run policy -- --bogus: exit 2, the flag named, then the usage", () => {
    const r = runScript("policy", ["--bogus"]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^error: Unknown option '--bogus'.*\nusage: npm run policy -- --resources FILE \[--config FILE\] \[--json\]\n$/);
    assert.equal(r.stdout, "");
  });

  it("npm run policy -- --resources -x: the dash value reaches the file check (exit 2)", () => {
    const r = runScript("policy", ["--resources", "-x"]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^error: .*-x/);
    assert.doesNotMatch(r.stderr, /ambiguous/);
  });

  // The benchmarks as their npm scripts run them once built (ts-node): a bad flag stops them before
  // any tool is looked for or any file is generated. bench:promote exits 2 through runCli; bench:ia
  // and bench:resume report every failure as exit 1, a bad flag included.
  for (const [bench, code] of [
    ["bench-ia", 1],
    ["bench-resume", 1],
    ["bench-promote", 2],
  ] as const) {
    it(`${bench} --bogus: exit ${code}, the flag named, then the usage`, () => {
      const res = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(SCRIPTS, `${bench}.ts`), "--bogus"], {
        cwd: PROJECT_DIR,
        encoding: "utf8",
      });
      assert.equal(res.status, code, res.stderr);
      assert.match(res.stderr, new RegExp(`^error: Unknown option '--bogus'.*\\nusage: npm run ${bench.replace("-", ":")} `));
      assert.equal(res.stdout, "");
    });
  }
});
