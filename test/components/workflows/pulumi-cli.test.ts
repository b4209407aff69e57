// release.yml runs the official Pulumi CLI (issue: releases on the official CLI, in minutes): the
// version is pinned in one place (package-lock.json's @pulumi/pulumi) and every other copy is
// checked against it here; the install step is Pulumi's own action, pinned by commit SHA; no step
// compiles anything; and scripts/install-pulumi.sh, the home build, reads the same pin.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { ACTIONS } from "../../../components/workflows/actions";
import { PULUMI_CLI_VERSION } from "../../../components/workflows/pulumi-cli";
import { PROJECT_DIR } from "../../support/program-run";
import { ParsedWorkflow, WORKFLOW_FILES } from "./generated";

const readJson = (file: string) => JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, file), "utf8"));
const lockedVersion = (lockFile: string) => readJson(lockFile).packages["node_modules/@pulumi/pulumi"].version as string;

function releaseYml(): ParsedWorkflow {
  const file = WORKFLOW_FILES.find((f) => f.path === ".github/workflows/release.yml");
  assert.ok(file, "the pipeline repository has release.yml");
  return parse(file.content) as ParsedWorkflow;
}

describe("the Pulumi CLI version: one pin, every copy cross-checked", () => {
  it("the CLI release.yml installs is the @pulumi/pulumi package-lock.json pins, and package.json pins it exactly", () => {
    assert.match(PULUMI_CLI_VERSION, /^\d+\.\d+\.\d+$/);
    assert.equal(lockedVersion("package-lock.json"), PULUMI_CLI_VERSION);
    assert.equal(readJson("package.json").dependencies["@pulumi/pulumi"], PULUMI_CLI_VERSION, "package.json: an exact version, no range");
  });

  it("the home build (tools/pulumi/go.mod) and the policy pack require the same version", () => {
    const goMod = fs.readFileSync(path.join(PROJECT_DIR, "tools", "pulumi", "go.mod"), "utf8");
    for (const mod of ["pkg/v3", "sdk/v3"]) {
      const required = goMod.match(new RegExp(`^\\s*github\\.com/pulumi/pulumi/${mod.replace("/", "\\/")} (v\\S+)$`, "m"));
      assert.equal(required?.[1], `v${PULUMI_CLI_VERSION}`, `tools/pulumi/go.mod requires github.com/pulumi/pulumi/${mod}`);
    }
    assert.equal(readJson("policy/package.json").dependencies["@pulumi/pulumi"], PULUMI_CLI_VERSION);
    assert.equal(lockedVersion("policy/npm-shrinkwrap.json"), PULUMI_CLI_VERSION);
  });
});

describe("release.yml installs the official CLI and builds nothing", () => {
  const wf = releaseYml();
  const pulumiJobs = Object.entries(wf.jobs).filter(([, job]) => job.steps.some((s) => /^\s*pulumi /m.test(s.run ?? "")));

  it("both jobs that run pulumi (preview, up) install it with pulumi/actions, pinned by commit SHA, at the pinned version, install only", () => {
    assert.deepEqual(pulumiJobs.map(([id]) => id).sort(), ["preview", "up"]);
    for (const [id, job] of pulumiJobs) {
      const install = job.steps.filter((s) => s.uses?.startsWith("pulumi/actions@"));
      assert.equal(install.length, 1, `${id}: one install step`);
      assert.equal(install[0].uses, `pulumi/actions@${ACTIONS.pulumi.sha}`);
      assert.match(ACTIONS.pulumi.sha, /^[0-9a-f]{40}$/);
      // No `command`: the action only installs. Every other input would make it run pulumi itself.
      assert.deepEqual(install[0].with, { "pulumi-version": PULUMI_CLI_VERSION }, `${id}: install-only inputs`);
      const installAt = job.steps.indexOf(install[0]);
      const firstPulumi = job.steps.findIndex((s) => /^\s*pulumi /m.test(s.run ?? ""));
      assert.ok(installAt < firstPulumi, `${id}: the CLI is installed before it is used`);
    }
  });

  it("every job that installs the CLI (release.yml's preview and up, watch.yml's check) installs the same pin, install only", () => {
    const installs = WORKFLOW_FILES.flatMap((file) =>
      Object.entries((parse(file.content) as ParsedWorkflow).jobs).flatMap(([id, job]) =>
        job.steps.filter((s) => s.uses?.startsWith("pulumi/actions@")).map((s) => ({ where: `${file.path} ${id}`, uses: s.uses, with: s.with })),
      ),
    );
    assert.deepEqual(
      installs.map((i) => i.where),
      [".github/workflows/release.yml preview", ".github/workflows/release.yml up", ".github/workflows/watch.yml check"],
    );
    for (const install of installs) {
      assert.equal(install.uses, `pulumi/actions@${ACTIONS.pulumi.sha}`, install.where);
      assert.deepEqual(install.with, { "pulumi-version": PULUMI_CLI_VERSION }, install.where);
    }
  });

  it("no step sets up Go, builds the engine or pipes a download into a shell", () => {
    for (const [id, job] of Object.entries(wf.jobs)) {
      for (const step of job.steps) {
        assert.ok(!step.uses?.startsWith("actions/setup-go@"), `${id}/${step.name}: sets up Go`);
        assert.doesNotMatch(step.run ?? "", /install-pulumi\.sh|\bgo (build|install)\b|\|\s*(ba)?sh\b/, `${id}/${step.name}`);
      }
    }
  });
});

describe("scripts/install-pulumi.sh reads the same pin", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "install-pulumi-"));
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  /** A `pulumi` on PATH that reports VERSION. */
  function fakeCli(version: string): string {
    const dir = fs.mkdtempSync(path.join(tmp, "bin-"));
    fs.writeFileSync(path.join(dir, "pulumi"), `#!/bin/sh\n[ "$1" = version ] && echo v${version}\n`, { mode: 0o755 });
    return dir;
  }
  const run = (pathDir: string) =>
    spawnSync("bash", [path.join(PROJECT_DIR, "scripts", "install-pulumi.sh")], {
      encoding: "utf8",
      env: { ...process.env, PATH: `${pathDir}:${process.env.PATH}` },
      timeout: 60_000,
    });

  it("a pulumi on PATH at the locked version is used as it is", () => {
    const dir = fakeCli(PULUMI_CLI_VERSION);
    const res = run(dir);
    assert.equal(res.status, 0, res.stderr);
    assert.equal(res.stdout.trim().split("\n").pop(), dir);
  });

  it("a pulumi on PATH at another version is passed over for the pinned build, and says why", () => {
    const res = run(fakeCli("3.1.0"));
    assert.equal(res.status, 0, res.stderr);
    assert.match(res.stderr, new RegExp(`reports 'v3\\.1\\.0', not v${PULUMI_CLI_VERSION.replace(/\./g, "\\.")}; using the pinned build`));
    assert.match(res.stdout.trim().split("\n").pop()!, new RegExp(`\\.tools/pulumi/${PULUMI_CLI_VERSION.replace(/\./g, "\\.")}/bin$`));
  });
});
