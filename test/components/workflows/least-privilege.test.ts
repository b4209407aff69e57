// Least privilege across the generated pipeline, checked on the rendered YAML as GitHub reads it:
// pull-request code never reaches a secret, everything run is pinned, nothing is piped from the
// network into a shell, and zizmor (the GitHub Actions security linter) finds nothing.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { TOOL_IMAGES } from "../../../components/workflows/actions";
import { ZIZMOR_CONFIG_PATH } from "../../../components/workflows/zizmor-config";
import { PROJECT_DIR } from "../../support/program-run";
import { FILES, ParsedJob, ParsedWorkflow, WORKFLOW_FILES } from "./generated";

/** The zizmor scripts/ci.sh pins and installs from PyPI, or an error saying how to get it. */
function zizmor(): string {
  const version = /^ZIZMOR_VERSION=(\S+)$/m.exec(fs.readFileSync(path.join(PROJECT_DIR, "scripts", "ci.sh"), "utf8"))?.[1];
  const local = path.join(PROJECT_DIR, ".tools", "zizmor", "bin", "zizmor");
  const installed = fs.existsSync(local) ? spawnSync(local, ["--version"], { encoding: "utf8" }).stdout.trim() : "";
  if (installed !== `zizmor ${version}`) {
    throw new Error(
      `zizmor ${version} is not installed (found: ${installed || "none"}): run scripts/ci.sh (pip install zizmor==${version} into .tools/zizmor)`,
    );
  }
  return local;
}

const workflows = WORKFLOW_FILES.map((f) => ({ file: f.path, wf: parse(f.content) as ParsedWorkflow }));

/** Conditions that keep a job off pull requests when they are a top-level conjunct of its `if`. */
const NOT_ON_PR = [
  /^github\.event_name != 'pull_request'$/,
  /^!\(github\.event_name == 'pull_request'\)$/,
  /^github\.event_name == '(push|schedule|workflow_dispatch)'$/,
];

/** Whether a pull request can run this job (conservative: anything not clearly excluded can). */
function runsOnPullRequest(wf: ParsedWorkflow, job: ParsedJob): boolean {
  if (!("pull_request" in wf.on)) return false;
  const conjuncts = (job.if ?? "").split("&&").map((c) => c.trim());
  return !conjuncts.some((c) => NOT_ON_PR.some((re) => re.test(c)));
}

/** Every secret a job can read: its own expressions plus the workflow-level env. */
function secretsRead(wf: ParsedWorkflow, job: ParsedJob): string[] {
  const text = JSON.stringify({ job, env: wf.env ?? {} });
  return [...text.matchAll(/secrets\.([A-Za-z0-9_]+)/g)].map((m) => m[1]).filter((s) => s !== "GITHUB_TOKEN");
}

describe("least privilege across the generated workflows", () => {
  it("finds the jobs pull requests run (the check below is not vacuous)", () => {
    const prJobs = workflows.flatMap(({ file, wf }) =>
      Object.entries(wf.jobs)
        .filter(([, j]) => runsOnPullRequest(wf, j))
        .map(([id]) => `${path.basename(file)} ${id}`),
    );
    for (const expected of ["build.yml build_pr", "release.yml preview", "release.yml comment"])
      assert.ok(prJobs.includes(expected), `${expected} in ${prJobs.join(", ")}`);
    assert.ok(!prJobs.includes("release.yml up") && !prJobs.includes("build.yml sign") && !prJobs.includes("build.yml build"));
  });

  it("no job a pull request runs can read a secret, a passphrase, an environment or write packages or contents", () => {
    for (const { file, wf } of workflows) {
      for (const [id, job] of Object.entries(wf.jobs)) {
        if (!runsOnPullRequest(wf, job)) continue;
        const where = `${file} ${id}`;
        assert.deepEqual(secretsRead(wf, job), [], `${where} reads secrets`);
        assert.equal(job.environment, undefined, `${where} runs in an environment`);
        const env: Record<string, string> = { ...wf.env, ...job.steps.reduce((a, s) => ({ ...a, ...s.env }), {}) };
        const passphrase = env.PULUMI_CONFIG_PASSPHRASE;
        assert.ok(passphrase === undefined || passphrase === "", `${where} gets a passphrase`);
        // A job that checks nothing out runs no pull-request code (push_pr, the preview comment).
        if (!job.steps.some((s) => s.uses?.startsWith("actions/checkout"))) continue;
        const perms = (job.permissions ?? {}) as Record<string, string>;
        for (const scope of ["contents", "packages", "actions", "deployments", "statuses", "checks", "attestations"]) {
          assert.notEqual(perms[scope], "write", `${where} may write ${scope}`);
        }
      }
    }
  });

  it("a job that writes packages on a pull request runs no pull-request code: no checkout, no build", () => {
    const build = workflows.find((w) => w.file.endsWith("build.yml"))!.wf;
    const push = build.jobs.push_pr;
    assert.equal((push.permissions as Record<string, string>).packages, "write");
    assert.ok(push.steps.every((s) => !s.uses?.startsWith("actions/checkout") && !/podman build|npm/.test(s.run ?? "")));
  });

  it("candidate tags are pushed from main only, never from a dispatch on another branch", () => {
    const build = workflows.find((w) => w.file.endsWith("build.yml"))!.wf;
    assert.match(build.jobs.build.if!, /github\.ref == 'refs\/heads\/main'/);
    assert.match(build.jobs.sign.if!, /github\.ref == 'refs\/heads\/main'/);
  });

  it("every action is pinned by a full commit SHA and every container image by digest", () => {
    let images = 0;
    for (const { file, wf } of workflows) {
      for (const [id, job] of Object.entries(wf.jobs)) {
        for (const s of job.steps) {
          if (s.uses) assert.match(s.uses, /^[\w.-]+\/[\w.-]+(\/[\w./-]+)?@[0-9a-f]{40}$/, `${file} ${id} ${s.name}`);
          for (const value of [...Object.values(s.with ?? {}).map(String), s.run ?? ""]) {
            for (const [ref] of value.matchAll(/\b(?:ghcr\.io|quay\.io|docker\.io|registry\.[\w.-]+)\/[\w./-]+(?::[\w.-]+)?(?:@sha256:[0-9a-f]{64})?/g)) {
              if (ref.includes("${")) continue;
              images++;
              assert.match(ref, /@sha256:[0-9a-f]{64}$/, `${file} ${id} ${s.name}: ${ref} is not pinned by digest`);
            }
          }
        }
      }
    }
    for (const [name, ref] of Object.entries(TOOL_IMAGES)) assert.match(ref, /@sha256:[0-9a-f]{64}$/, name);
    assert.ok(images >= 2, `found ${images} image references; the check looks at the rechunk and bootc-image-builder images`);
  });

  it("nothing is installed by piping the network into a shell", () => {
    for (const { file, wf } of workflows) {
      for (const [id, job] of Object.entries(wf.jobs)) {
        for (const s of job.steps) assert.doesNotMatch(s.run ?? "", /\b(curl|wget)\b[^\n|]*\|\s*(sudo\s+)?(ba|z|da)?sh\b/, `${file} ${id} ${s.name}`);
      }
    }
  });

  it("every npm ci in a job that holds a secret runs no install scripts", () => {
    for (const { file, wf } of workflows) {
      for (const [id, job] of Object.entries(wf.jobs)) {
        if (secretsRead(wf, job).length === 0) continue;
        for (const s of job.steps) if (/\bnpm ci\b/.test(s.run ?? "")) assert.match(s.run!, /npm ci --ignore-scripts/, `${file} ${id} ${s.name}`);
      }
    }
  });

  it("no checkout keeps its token on disk", () => {
    for (const { file, wf } of workflows) {
      for (const [id, job] of Object.entries(wf.jobs)) {
        for (const s of job.steps) if (s.uses?.startsWith("actions/checkout")) assert.equal(s.with?.["persist-credentials"], false, `${file} ${id} ${s.name}`);
      }
    }
  });

  it("zizmor finds nothing at its default persona (each ignore is in the generated .github/zizmor.yml, with its reason)", function () {
    this.timeout(120_000);
    const bin = zizmor();
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "zizmor-"));
    try {
      for (const [repo, files] of [
        ["margine-image", FILES.imageRepository],
        ["margine-pipeline", FILES.pipelineRepository],
      ] as const) {
        for (const f of files) {
          const target = path.join(root, repo, f.path);
          fs.mkdirSync(path.dirname(target), { recursive: true });
          fs.writeFileSync(target, f.content);
        }
      }
      const ignores = FILES.imageRepository.filter((f) => f.path === ZIZMOR_CONFIG_PATH);
      assert.equal(ignores.length, 1, "the image repository carries its zizmor config");
      for (const repo of ["margine-image", "margine-pipeline"]) {
        const res = spawnSync(bin, ["--offline", "--format", "json", "--no-progress", path.join(root, repo)], { encoding: "utf8", timeout: 100_000 });
        assert.ok(
          res.status === 0 || res.status === 14 || res.status === 11 || res.status === 12 || res.status === 13,
          `zizmor failed to run on ${repo} (${res.status}): ${res.stderr}`,
        );
        const findings = JSON.parse(res.stdout) as { ident: string; locations: { symbolic: { key: { Local: { given_path: string } } } }[] }[];
        assert.deepEqual(
          findings.map((f) => `${f.ident} ${JSON.stringify(f.locations[0]?.symbolic?.key)}`),
          [],
          `${repo}: zizmor findings`,
        );
        assert.equal(res.status, 0, res.stderr);
      }
      // The linter is live: the same run over a deliberately unpinned workflow reports it.
      const bad = path.join(root, "bad", ".github", "workflows");
      fs.mkdirSync(bad, { recursive: true });
      fs.writeFileSync(
        path.join(bad, "bad.yml"),
        "on: pull_request_target\npermissions: {}\njobs:\n  x:\n    runs-on: ubuntu-24.04\n    permissions: {}\n    steps:\n      - uses: actions/checkout@v4\n",
      );
      const res = spawnSync(bin, ["--offline", "--format", "json", "--no-progress", path.join(root, "bad")], { encoding: "utf8", timeout: 100_000 });
      const idents = (JSON.parse(res.stdout) as { ident: string }[]).map((f) => f.ident);
      assert.ok(idents.includes("dangerous-triggers") && idents.includes("unpinned-uses"), idents.join(", "));
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
