#!/usr/bin/env node
// `npm run <cli> -- ARGS`: runs the compiled CLI from dist/scripts/, compiling first (tsc -p
// tsconfig.build.json) when dist/ is missing or a source is newer than the last build.
// `npm run build` (`--build`): compiles now; `--build-if-stale`: only when a source changed.
// The build also compiles the policy pack into policy/bin (policy/tsconfig.json): the pack runs
// compiled, here and once published (docs/policy-pack.md). Plain JavaScript on purpose: it must
// start before anything is compiled, and without ts-node.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { spawnSync } = require("node:child_process");

const ROOT = path.resolve(__dirname, "..");
const STAMP = path.join(ROOT, "dist", ".build-stamp");
const BUILDS = [path.join(ROOT, "tsconfig.build.json"), path.join(ROOT, "policy", "tsconfig.json")];
const POLICY_MAIN = path.join(ROOT, "policy", "bin", "policy", "index.js");
const SOURCES = [
  "index.ts",
  "stacks",
  "grammar",
  "config",
  "components",
  "providers",
  "release-notes",
  "watch",
  "scripts",
  "policy",
  "tsconfig.json",
  "tsconfig.build.json",
  "package-lock.json",
];

function newestSource() {
  let newest = 0;
  const visit = (p) => {
    const st = fs.statSync(p, { throwIfNoEntry: false });
    if (!st) return;
    if (st.isDirectory()) {
      if (path.basename(p) === "node_modules") return;
      for (const e of fs.readdirSync(p)) visit(path.join(p, e));
    } else if (/\.(ts|json)$/.test(p)) {
      newest = Math.max(newest, st.mtimeMs);
    }
  };
  for (const s of SOURCES) visit(path.join(ROOT, s));
  return newest;
}

function ensureBuilt(force) {
  const built = fs.statSync(STAMP, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  if (!force && built >= newestSource() && fs.existsSync(POLICY_MAIN)) return;
  if (!force) process.stderr.write("building the CLIs (npm run build)...\n");
  const tsc = require.resolve("typescript/bin/tsc");
  for (const project of BUILDS) {
    const res = spawnSync(process.execPath, [tsc, "-p", project], { cwd: ROOT, stdio: ["ignore", 2, 2] });
    if (res.status !== 0) {
      process.stderr.write(`error: the build of ${path.relative(ROOT, project)} failed (above); fix it or run \`npm run build\` to see it again\n`);
      process.exit(1);
    }
  }
  fs.writeFileSync(STAMP, `${new Date().toISOString()}\n`);
}

const [name, ...args] = process.argv.slice(2);
if (name === "--build" || name === "--build-if-stale") {
  ensureBuilt(name === "--build");
  process.exit(0);
}
if (!name || !/^[a-z0-9-]+$/.test(name) || !fs.existsSync(path.join(ROOT, "scripts", `${name}.ts`))) {
  process.stderr.write(`error: run-compiled: ${JSON.stringify(name)} is not a CLI in scripts/; expected e.g. promote\n`);
  process.exit(2);
}
ensureBuilt();
const entry = path.join(ROOT, "dist", "scripts", `${name}.js`);
process.argv = [process.argv[0], entry, ...args];
// Load the CLI as the main module (require.main === its module), as `node dist/scripts/<cli>.js`
// would: the CLIs that are also libraries run only when they are main.
require("node:module").runMain();
