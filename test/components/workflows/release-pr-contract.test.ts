// The release pull request jobs of smoke-boot.yml and build-disk.yml, run for real: their bash
// script, real git (a clone of a bare "pipeline repository"), and this repository's own
// release-state CLI behind `npm run`. Only `gh` (GitHub's API) is a recording stand-in. This is
// the contract between the generated workflows and the CLIs they call: a renamed flag fails here.
import { strict as assert } from "node:assert";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import { buildDiskWorkflow } from "../../../components/workflows/build-disk";
import { Workflow } from "../../../components/workflows/model";
import { smokeBootWorkflow } from "../../../components/workflows/smoke-boot";
import { PROJECT_DIR } from "../../support/program-run";
import { requireTool } from "../../../fixtures/system-tool";
import { cliArgs } from "../../support/processes";
import { TOOLS_REF } from "./generated";

const DIGEST = `sha256:${"4f".repeat(32)}`;

function releaseStep(workflow: Workflow) {
  const job = workflow.jobs.release_pr;
  assert.ok(job, `${workflow.fileName} has a release_pr job`);
  const step = job.steps.find((s) => s.name === "Open the release pull request");
  assert.ok(step?.run, `${workflow.fileName} release_pr opens the pull request with a script`);
  return step;
}

const roots: string[] = [];

/** A pipeline repository clone with the real Pulumi.release.yaml, and shims for gh and npm. */
function workspace(ghOpenPrs: number, stackFile = "Pulumi.release.yaml") {
  const git = requireTool("git", "git");
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "release-pr-"));
  roots.push(root);
  const origin = path.join(root, "origin.git");
  const clone = path.join(root, "pipeline");
  const bin = path.join(root, "bin");
  const run = (args: string[], cwd = clone) => execFileSync(git, args, { cwd, encoding: "utf8" });
  execFileSync(git, ["init", "--quiet", "--bare", "--initial-branch=main", origin]);
  execFileSync(git, ["clone", "--quiet", origin, clone], { stdio: "ignore" });
  fs.copyFileSync(path.join(PROJECT_DIR, stackFile), path.join(clone, "Pulumi.release.yaml"));
  run(["-c", "user.name=t", "-c", "user.email=t@t", "add", "Pulumi.release.yaml"]);
  run(["-c", "user.name=t", "-c", "user.email=t@t", "commit", "--quiet", "-m", "init"]);
  run(["push", "--quiet", "origin", "HEAD:main"]);
  fs.mkdirSync(bin);
  const ghLog = path.join(root, "gh.log");
  fs.writeFileSync(
    path.join(bin, "gh"),
    `#!/usr/bin/env bash
printf '%s\\n' "$*" >> ${JSON.stringify(ghLog)}
if [[ "$1 $2" == "pr list" ]]; then echo ${ghOpenPrs}; fi
`,
    { mode: 0o755 },
  );
  // `npm run release-state -- ARGS` runs this repository's CLI in the clone, as the job does.
  fs.writeFileSync(
    path.join(bin, "npm"),
    `#!/usr/bin/env bash
[[ "$1" == "run" ]] || { echo "unexpected npm call: $*" >&2; exit 99; }
[[ "$2" == "-s" ]] && shift
[[ "$2" =~ ^(release-state|release-notes)$ && "$3" == "--" ]] || { echo "unexpected npm call: $*" >&2; exit 99; }
cli="$2"
shift 3
exec ${JSON.stringify(process.execPath)} ${JSON.stringify(cliArgs("release-state", [])[0])} "$cli" "$@"
`,
    { mode: 0o755 },
  );
  return { root, clone, bin, ghLog, git: run };
}

function runStep(workflow: Workflow, env: Record<string, string>, ghOpenPrs = 0, stackFile?: string) {
  const step = releaseStep(workflow);
  const ws = workspace(ghOpenPrs, stackFile);
  const expected = Object.keys(step.env ?? {}).sort();
  assert.deepEqual(Object.keys(env).sort(), expected, "the test provides exactly the step's env");
  const res = spawnSync("bash", ["-euo", "pipefail", "-c", step.run!], {
    cwd: ws.clone,
    encoding: "utf8",
    env: {
      ...process.env,
      ...env,
      PATH: `${ws.bin}:${process.env.PATH}`,
      RUNNER_TEMP: ws.root,
      GITHUB_SERVER_URL: "https://github.com",
      GITHUB_REPOSITORY: "daniel-g-carrasco/margine-image",
      GITHUB_RUN_ID: "19000000077",
      // Nothing answers here: the notes say what is missing and the pull request still opens.
      GITHUB_API_URL: "http://127.0.0.1:9",
      NODE_PATH: path.join(PROJECT_DIR, "node_modules"),
      TS_NODE_PROJECT: path.join(PROJECT_DIR, "tsconfig.json"),
      GITHUB_OUTPUT: path.join(ws.root, "out"),
    },
  });
  const gh = fs.existsSync(ws.ghLog) ? fs.readFileSync(ws.ghLog, "utf8") : "";
  return { ...res, ws, gh };
}

describe("release pull request jobs, run with real git and the real release-state CLI", function () {
  this.timeout(120_000);
  after(() => {
    for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
  });
  const common = { GH_TOKEN: "t", PIPELINE_REPOSITORY: "daniel-g-carrasco/margine-pipeline" };
  // A registry nobody listens on: release-notes-jobs.test.ts runs the notes against a real one.
  const image = { IMAGE: "127.0.0.1:9/daniel-g-carrasco/margine" };

  it("smoke-boot declares the booted digest on a branch and opens the pull request", () => {
    const run = runStep(smokeBootWorkflow(), {
      ...common,
      ...image,
      DIGEST,
      BOOTED_AT: "2026-11-24T08:00:00Z",
      BOOT_RUN: "https://github.com/daniel-g-carrasco/margine-image/actions/runs/19000000042",
    });
    assert.equal(run.status, 0, run.stderr + run.stdout);
    const branch = `release/stable-${DIGEST.slice(7, 19)}`;
    const pushed = YAML.parse(run.ws.git(["show", `origin/${branch}:Pulumi.release.yaml`]));
    assert.equal(pushed.config["margine-pipeline:release"].stable.digest, DIGEST);
    assert.equal(pushed.config["margine-pipeline:release"].stable.evidence.bootedAt, "2026-11-24T08:00:00Z");
    assert.match(run.gh, new RegExp(`^pr create --repo daniel-g-carrasco/margine-pipeline --base main --head ${branch} `, "m"));
    const body = fs.readFileSync(path.join(run.ws.root, "release-pr-body.md"), "utf8");
    assert.match(body, /^## Release notes: First release of 127\.0\.0\.1:9\/daniel-g-carrasco\/margine/m, body);
    assert.match(body, /could not be read/);
  });

  it("build-disk declares the ISO release with both files", () => {
    const files = `margine-20261124.iso:${"a".repeat(64)}:${"b".repeat(32)}:6442450944 SHA256SUMS:${"c".repeat(64)}:${"d".repeat(32)}:87`;
    const run = runStep(buildDiskWorkflow(TOOLS_REF), { ...common, DATE: "20261124", IDENTIFIER: "margine-20261124", FILES: files, TORRENT: "" });
    assert.equal(run.status, 0, run.stderr + run.stdout);
    const pushed = YAML.parse(run.ws.git(["show", "origin/release/iso-20261124:Pulumi.release.yaml"]));
    const iso = pushed.config["margine-pipeline:release"].isos[0];
    assert.equal(iso.identifier, "margine-20261124");
    assert.deepEqual(
      iso.files.map((f: { name: string }) => f.name),
      ["margine-20261124.iso", "SHA256SUMS"],
    );
    assert.match(run.gh, /^pr create .*--head release\/iso-20261124 /m);
    const body = fs.readFileSync(path.join(run.ws.root, "release-pr-body.md"), "utf8");
    assert.match(body, /^- \*\*ISO size:\*\* 6\.00 GiB \(the first ISO release\)$/m, body);
    assert.match(body, /^- \*\*Torrent:\*\* not derived by IA yet/m);
    assert.match(body, new RegExp(`^\\| SHA256SUMS \\| 87 B \\| \`${"c".repeat(64)}\` \\|$`, "m"));
  });

  it("build-disk's ISO notes give the size change against the previous ISO and the torrent link", () => {
    const files = `margine-20261205.iso:${"a".repeat(64)}:${"b".repeat(32)}:6500000000 SHA256SUMS:${"c".repeat(64)}:${"d".repeat(32)}:87`;
    const torrent = "https://archive.org/download/margine-20261205/margine-20261205_archive.torrent";
    const run = runStep(
      buildDiskWorkflow(TOOLS_REF),
      { ...common, DATE: "20261205", IDENTIFIER: "margine-20261205", FILES: files, TORRENT: torrent },
      0,
      "Pulumi.example-release.yaml",
    );
    assert.equal(run.status, 0, run.stderr + run.stdout);
    const body = fs.readFileSync(path.join(run.ws.root, "release-pr-body.md"), "utf8");
    // The sample stack's previous ISO (20261120) is 6442450944 bytes.
    assert.match(body, /^- \*\*ISO size:\*\* 6\.00 GiB → 6\.05 GiB \(\+54\.9 MiB against 20261120\)$/m, body);
    assert.match(body, /^- \*\*Internet Archive item:\*\* \[margine-20261205\]\(https:\/\/archive\.org\/details\/margine-20261205\)$/m);
    assert.match(body, new RegExp(`^- \\*\\*Torrent:\\*\\* \\[margine-20261205\\\\_archive\\.torrent\\]\\(${torrent.replace(/[.]/g, "\\.")}\\)$`, "m"));
  });

  it("a rerun with the pull request already open changes nothing", () => {
    const run = runStep(
      smokeBootWorkflow(),
      {
        ...common,
        ...image,
        DIGEST,
        BOOTED_AT: "2026-11-24T08:00:00Z",
        BOOT_RUN: "https://github.com/daniel-g-carrasco/margine-image/actions/runs/1",
      },
      1,
    );
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /already open/);
    assert.doesNotMatch(run.gh, /pr create/);
    assert.equal(run.ws.git(["status", "--porcelain"]).trim(), "");
  });
});
