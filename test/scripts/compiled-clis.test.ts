// The CLIs ship compiled: `npm run build` writes dist/, package.json declares each CLI as a `bin`
// command, and `npm run <cli>` runs the compiled code, building first when a source changed.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PROJECT_DIR } from "../support/program-run";
import { cliArgs } from "../support/processes";

const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "package.json"), "utf8")) as { bin: Record<string, string>; scripts: Record<string, string> };
const STAMP = path.join(PROJECT_DIR, "dist", ".build-stamp");

describe("compiled CLIs", function () {
  this.timeout(240_000);

  it("every CLI in scripts/ is a bin command backed by compiled JavaScript with a shebang, and its npm script runs it", () => {
    const clis = fs
      .readdirSync(path.join(PROJECT_DIR, "scripts"))
      .filter(
        (f) =>
          /^[a-z0-9-]+\.ts$/.test(f) &&
          !f.startsWith("bench-") &&
          fs.readFileSync(path.join(PROJECT_DIR, "scripts", f), "utf8").match(/^(if \(require\.main === module\) )?runCli\(|^if \(require\.main === module\)/m),
      );
    assert.ok(clis.length >= 8, clis.join(", "));
    for (const file of clis) {
      const name = file.replace(/\.ts$/, "");
      assert.equal(pkg.bin[`margine-${name}`], `dist/scripts/${name}.js`, name);
      assert.equal(pkg.scripts[name], `node scripts/run-compiled.js ${name}`, name);
      const compiled = path.join(PROJECT_DIR, "dist", "scripts", `${name}.js`);
      // A fresh `npx mocha FILE` may come before any build: the first run-compiled call builds.
      if (!fs.existsSync(compiled)) spawnSync(process.execPath, [path.join(PROJECT_DIR, "scripts", "run-compiled.js"), "--build"]);
      assert.ok(fs.readFileSync(compiled, "utf8").startsWith("#!/usr/bin/env node\n"), `${compiled} starts with a shebang`);
    }
  });

  it("CLIs that are also libraries (require.main guard) run through npm run: a bad flag exits 2 with one error line", () => {
    for (const name of ["promote", "publish-iso", "sha256sums", "retention"]) {
      const res = spawnSync(process.execPath, cliArgs(name, ["--bogus"]), { encoding: "utf8", cwd: PROJECT_DIR });
      assert.equal(res.status, 2, `${name}: ${res.stderr}`);
      assert.match(res.stderr, /^error: .*--bogus/, name);
    }
  });

  it("installs as commands (npm install --global): each one runs, exit codes and messages intact", () => {
    const prefix = fs.mkdtempSync(path.join(os.tmpdir(), "margine-global-"));
    try {
      const install = spawnSync("npm", ["install", "--global", "--prefix", prefix, "--no-audit", "--no-fund", PROJECT_DIR], { encoding: "utf8" });
      assert.equal(install.status, 0, install.stderr);
      for (const command of Object.keys(pkg.bin)) assert.ok(fs.existsSync(path.join(prefix, "bin", command)), command);
      const res = spawnSync(path.join(prefix, "bin", "margine-release-state"), ["bogus"], { encoding: "utf8" });
      assert.equal(res.status, 2, res.stderr);
      assert.match(res.stderr, /^error: .*\n/);
      assert.match(res.stderr, /release-state stable --digest/, "the usage comes from the compiled CLI");
    } finally {
      fs.rmSync(prefix, { recursive: true, force: true });
    }
  });

  it("npm run <cli> rebuilds first when a source is newer than the last build, and not otherwise", () => {
    const run = () => spawnSync(process.execPath, cliArgs("release-state", ["bogus"]), { encoding: "utf8", cwd: PROJECT_DIR });
    run(); // up to date from here
    const built = fs.statSync(STAMP).mtimeMs;
    const warm = run();
    assert.doesNotMatch(warm.stderr, /building the CLIs/);
    assert.equal(fs.statSync(STAMP).mtimeMs, built, "no rebuild when nothing changed");
    const source = path.join(PROJECT_DIR, "scripts", "cli.ts");
    const later = new Date(Date.now() + 2000);
    fs.utimesSync(source, later, later);
    const cold = run();
    assert.match(cold.stderr, /building the CLIs/);
    assert.equal(cold.status, 2, cold.stderr);
    assert.ok(fs.statSync(STAMP).mtimeMs > built);
  });
});
