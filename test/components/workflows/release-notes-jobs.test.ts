// Where the release notes show, run for real: smoke-boot's release PR step (bash, real git, the
// real release-notes and release-state CLIs, images signed and attested by the real cosign in the
// real registry), release.yml's notes step (the base fetched by git from the pull request's
// checkout) and its comment step (curl and jq against the GitHub stand-in: one comment per pull
// request, edited on each push, a human's comment never touched).
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import { buildWorkflow } from "../../../components/workflows/build";
import { PACKAGE_LIST_FILE } from "../../../components/workflows/build-scripts";
import { Step } from "../../../components/workflows/model";
import { RegistryClient } from "../../../providers/oci/registry-client";
import { readPackageList } from "../../../providers/oci/package-attestation";
import { COMMENT_SCRIPT, NOTES_SCRIPT, PREVIEW_COMMENT_MARKER, releaseWorkflow } from "../../../components/workflows/release";
import { smokeBootWorkflow } from "../../../components/workflows/smoke-boot";
import { GitHubApiStandIn } from "../../../fixtures/servers/github-api";
import { LocalRegistry, startRegistry } from "../../../fixtures/servers/registry";
import { requireTool } from "../../../fixtures/system-tool";
import { requirePeer, runPeer } from "../../support/peers";
import { cliArgs } from "../../support/processes";
import { ReleaseImageBuilder } from "../../support/release-images";

const REV = (n: number) => `${n}`.repeat(40);
const PACKAGES = [{ name: "bash", evr: "0:5.2.26-3.fc42", arch: "x86_64" }];

function stepOf(steps: readonly Step[], name: string): Step {
  const found = steps.find((s) => s.name === name);
  assert.ok(found?.run, `a step named ${name}`);
  return found;
}

describe("release notes in the release pull request and the preview comment, run for real", function () {
  this.timeout(180_000);
  const git = requireTool("git", "git");
  requireTool("jq", "jq");
  requireTool("curl", "curl");
  let registry: LocalRegistry;
  let github: GitHubApiStandIn;
  let images: ReleaseImageBuilder;
  let root: string;
  let oldDigest: string;
  let newDigest: string;

  before(async () => {
    registry = await startRegistry();
    github = await new GitHubApiStandIn().start();
    github.histories.set(
      "daniel-g-carrasco/margine-image",
      [1, 2, 3].map((n) => ({ sha: REV(n), message: `Change ${n}`, author: "Daniel", date: "2026-12-01T00:00:00Z" })),
    );
    images = new ReleaseImageBuilder(registry.host);
    await images.importKeys();
    oldDigest = await images.push({ seed: "job-old", created: "2026-11-20T04:17:00Z", version: "20261120", revision: REV(1), packages: PACKAGES });
    newDigest = await images.push({
      seed: "job-new",
      created: "2026-12-05T04:17:00Z",
      version: "20261205",
      revision: REV(3),
      packages: [...PACKAGES, { name: "vim-enhanced", evr: "2:9.1-1.fc42", arch: "x86_64" }],
    });
    root = fs.mkdtempSync(path.join(os.tmpdir(), "notes-jobs-"));
    fs.mkdirSync(path.join(root, "bin"));
    // `npm run [-s] CLI -- ARGS` runs this repository's compiled CLI, as the jobs' checkout does.
    fs.writeFileSync(
      path.join(root, "bin", "npm"),
      `#!/usr/bin/env bash
[[ "$1" == "run" ]] || { echo "unexpected npm call: $*" >&2; exit 99; }
[[ "$2" == "-s" ]] && shift
cli="$2"; shift 3
exec ${JSON.stringify(process.execPath)} ${JSON.stringify(cliArgs("release-notes", [])[0])} "$cli" "$@"
`,
      { mode: 0o755 },
    );
    fs.writeFileSync(path.join(root, "bin", "gh"), `#!/usr/bin/env bash\nif [[ "$1 $2" == "pr list" ]]; then echo 0; fi\n`, { mode: 0o755 });
  });
  after(async () => {
    images?.dispose();
    await github?.stop();
    await registry?.stop();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  /** A release stack file for the local registry, declaring `digest` stable (or nothing). */
  const stackFile = (digest: string | undefined) =>
    YAML.stringify({
      config: {
        "margine-pipeline:stackRole": "release",
        "margine-pipeline:image": images.image,
        "margine-pipeline:siteRepository": "daniel-g-carrasco/margine-os-1084ca72",
        "margine-pipeline:insecureRegistry": true,
        "margine-pipeline:cosignPublicKey": fs.readFileSync(images.publicKeyFile("cosign"), "utf8"),
        "margine-pipeline:release": {
          ...(digest
            ? { stable: { digest, evidence: { bootRun: "https://github.com/o/r/actions/runs/1", bootedAt: "2026-11-20T09:41:00Z" }, rollback: false } }
            : {}),
          isos: [],
        },
      },
    });

  /** A bare origin with main declaring the old digest, and a clone. */
  function repository(name: string): { clone: string; run: (args: string[]) => string; main: string } {
    const origin = path.join(root, `${name}.git`);
    const clone = path.join(root, name);
    execFileSync(git, ["init", "--quiet", "--bare", "--initial-branch=main", origin]);
    execFileSync(git, ["clone", "--quiet", origin, clone], { stdio: "ignore" });
    const run = (args: string[]) => execFileSync(git, ["-c", "user.name=t", "-c", "user.email=t@t", ...args], { cwd: clone, encoding: "utf8" });
    fs.writeFileSync(path.join(clone, "Pulumi.release.yaml"), stackFile(oldDigest));
    run(["add", "Pulumi.release.yaml"]);
    run(["commit", "--quiet", "-m", "main"]);
    run(["push", "--quiet", "origin", "HEAD:main"]);
    return { clone, run, main: run(["rev-parse", "HEAD"]).trim() };
  }

  const bash = (script: string, cwd: string, env: Record<string, string>) =>
    runPeer("bash", ["-euo", "pipefail", "-c", script], {
      cwd,
      env: { PATH: `${path.join(root, "bin")}:${process.env.PATH}`, RUNNER_TEMP: cwd + "-tmp", GITHUB_API_URL: github.url, ...env },
    });

  it("build.yml records the pushed digest's package list with the real rpm, and the real cosign attests it so the notes verify it", async () => {
    const rpmbuild = requireTool("rpmbuild", "rpm");
    const rpm = requireTool("rpm", "rpm");
    const work = path.join(root, "rpm");
    fs.mkdirSync(work + "-tmp", { recursive: true });
    // Two real packages in a real rpm database: an epoch and a tilde, and one without epoch.
    const specs = [
      { name: "margine-release", version: "43~rc1", release: "3.fc42", epoch: "2" },
      { name: "margine-tools", version: "1.0", release: "1.fc42" },
    ];
    for (const spec of specs) {
      fs.writeFileSync(
        path.join(work + "-tmp", `${spec.name}.spec`),
        `Name: ${spec.name}\nVersion: ${spec.version}\nRelease: ${spec.release}\n${spec.epoch ? `Epoch: ${spec.epoch}\n` : ""}Summary: t\nLicense: MIT\nBuildArch: noarch\n%description\nt\n%files\n`,
      );
      execFileSync(rpmbuild, ["-bb", "--quiet", "--define", `_topdir ${work}-top`, path.join(work + "-tmp", `${spec.name}.spec`)], { stdio: "ignore" });
    }
    const db = path.join(work + "-tmp", "rpmdb");
    execFileSync(rpm, ["--dbpath", db, "--initdb"]);
    for (const file of fs.readdirSync(path.join(work + "-top", "RPMS", "noarch")))
      execFileSync(rpm, ["--dbpath", db, "-i", "--justdb", "--nodeps", path.join(work + "-top", "RPMS", "noarch", file)], { stdio: "ignore" });
    // sudo and podman stand for the runner's: `podman run ... --entrypoint rpm IMAGE ARGS` runs rpm ARGS on that database.
    const bin = path.join(work + "-tmp", "bin");
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, "sudo"), '#!/usr/bin/env bash\nexec "$@"\n', { mode: 0o755 });
    fs.writeFileSync(path.join(bin, "podman"), `#!/usr/bin/env bash\nwhile [[ "$1" != "$PINNED" ]]; do shift; done\nshift\nexec ${rpm} --dbpath ${db} "$@"\n`, {
      mode: 0o755,
    });
    fs.mkdirSync(work);
    const script = stepOf(buildWorkflow().jobs.build.steps, "Record the package list of the pushed digest").run!;
    const digest = await images.push({ seed: "rpm", created: "2026-12-06T04:17:00Z", attestWith: "none" });
    const res = await runPeer("bash", ["-euo", "pipefail", "-c", script], {
      cwd: work,
      env: { PATH: `${bin}:${process.env.PATH}`, RUNNER_TEMP: work + "-tmp", PINNED: `${images.image}@${digest}` },
    });
    assert.equal(res.code, 0, res.stderr);
    const list = JSON.parse(fs.readFileSync(path.join(work, PACKAGE_LIST_FILE), "utf8"));
    assert.deepEqual(
      [...list.packages].sort((a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name)),
      [
        { name: "margine-release", evr: "2:43~rc1-3.fc42", arch: "noarch" },
        { name: "margine-tools", evr: "0:1.0-1.fc42", arch: "noarch" },
      ],
    );
    // The sign job's own attest line, with the real cosign; the wrapper adds only what a plain-HTTP
    // loopback registry and an offline machine need (GHCR is https, and the runner reaches Rekor).
    const attest = stepOf(buildWorkflow().jobs.sign.steps, "Attest the package list of the pushed digest");
    fs.mkdirSync(path.join(work, "package-list"));
    fs.copyFileSync(path.join(work, PACKAGE_LIST_FILE), path.join(work, "package-list", PACKAGE_LIST_FILE));
    fs.writeFileSync(
      path.join(bin, "cosign"),
      `#!/usr/bin/env bash\ncmd="$1"; shift\nexec ${requirePeer("cosign")} "$cmd" --allow-insecure-registry --allow-http-registry --tlog-upload=false "$@"\n`,
      { mode: 0o755 },
    );
    const attested = await runPeer("bash", ["-euo", "pipefail", "-c", attest.run!], {
      cwd: work,
      env: {
        PATH: `${bin}:${process.env.PATH}`,
        HOME: path.join(images.work, "home"),
        IMAGE: images.image,
        DIGEST: digest,
        COSIGN_PRIVATE_KEY: fs.readFileSync(path.join(images.work, "cosign.key"), "utf8"),
        COSIGN_PASSWORD: "",
      },
    });
    assert.equal(attested.code, 0, attested.stderr);
    const client = new RegistryClient({ registry: registry.host, insecure: true });
    const reading = await readPackageList(client, {
      image: images.image,
      repository: "margine",
      digest,
      publicKey: fs.readFileSync(images.publicKeyFile("cosign"), "utf8"),
    });
    assert.equal(reading.status, "verified");

    // An image whose rpm database lists nothing fails the step: nothing is attested.
    fs.writeFileSync(path.join(bin, "podman"), "#!/usr/bin/env bash\ntrue\n", { mode: 0o755 });
    const empty = await runPeer("bash", ["-euo", "pipefail", "-c", script], {
      cwd: work,
      env: { PATH: `${bin}:${process.env.PATH}`, RUNNER_TEMP: work + "-tmp", PINNED: "x@y" },
    });
    assert.equal(empty.code, 1);
    assert.match(empty.stdout, /::error::rpm -qa in x@y listed no package/);
  });

  it("build.yml's base image step resolves the Containerfile's FROM with the real skopeo and hands the labels to rechunk", async () => {
    const work = path.join(root, "base");
    fs.mkdirSync(work);
    fs.mkdirSync(work + "-tmp");
    // The loopback registry is plain HTTP, where GHCR and quay are https: the real skopeo, told so.
    const bin = path.join(work + "-tmp", "bin");
    fs.mkdirSync(bin);
    const skopeo = requireTool("skopeo", "skopeo");
    fs.writeFileSync(path.join(bin, "skopeo"), `#!/usr/bin/env bash\ncmd="$1"; shift\nexec ${skopeo} "$cmd" --tls-verify=false "$@"\n`, { mode: 0o755 });
    const script = stepOf(buildWorkflow().jobs.build.steps, "Base image of the build").run!;
    const output = path.join(work + "-tmp", "output");
    const env = { PATH: `${bin}:${path.join(root, "bin")}:${process.env.PATH}`, GITHUB_OUTPUT: output };
    fs.writeFileSync(path.join(work, "Containerfile"), `ARG X=1\nFROM --platform=linux/amd64 ${images.image}:candidate-job-old AS base\nRUN true\n`);
    const res = await bash(script, work, env);
    assert.equal(res.code, 0, res.stderr + res.stdout);
    assert.equal(
      fs.readFileSync(output, "utf8"),
      `labels<<MARGINE_LABELS\norg.opencontainers.image.base.name=${images.image}:candidate-job-old\norg.opencontainers.image.base.digest=${oldDigest}\nMARGINE_LABELS\n`,
    );
    // A FROM built from an ARG cannot be resolved before the build: a warning, no labels, no failure.
    fs.rmSync(output);
    fs.writeFileSync(path.join(work, "Containerfile"), "ARG BASE=quay.io/fedora/fedora-bootc:42\nFROM ${BASE}\n");
    const unresolved = await bash(script, work, env);
    assert.equal(unresolved.code, 0, unresolved.stderr);
    assert.match(unresolved.stdout, /::warning::Containerfile's FROM \(\$\{BASE\}\) cannot be resolved/);
    assert.equal(fs.existsSync(output), false);
    // A base that does not exist fails the build before anything is built.
    fs.writeFileSync(path.join(work, "Containerfile"), `FROM ${images.image}:no-such-tag\n`);
    const missing = await bash(script, work, env);
    assert.notEqual(missing.code, 0);
  });

  it("smoke-boot's release pull request body carries the notes from today's stable to the booted digest", async () => {
    const repo = repository("pipeline");
    fs.mkdirSync(repo.clone + "-tmp");
    const step = stepOf(smokeBootWorkflow().jobs.release_pr.steps, "Open the release pull request");
    const res = await bash(step.run!, repo.clone, {
      IMAGE: images.image,
      DIGEST: newDigest,
      BOOTED_AT: "2026-12-05T06:00:00Z",
      BOOT_RUN: "https://github.com/daniel-g-carrasco/margine-image/actions/runs/19000000042",
      GH_TOKEN: "t",
      PIPELINE_REPOSITORY: "daniel-g-carrasco/margine-pipeline",
    });
    assert.equal(res.code, 0, res.stderr + res.stdout);
    const body = fs.readFileSync(path.join(repo.clone + "-tmp", "release-pr-body.md"), "utf8");
    assert.match(body, /^Smoke-boot run https:\/\/github\.com\/daniel-g-carrasco\/margine-image\/actions\/runs\/19000000042 booted /);
    assert.match(body, /^## Release notes: Update of /m);
    assert.match(body, /\| package list \| ✅ 1 packages, attestation verified \| ✅ 2 packages, attestation verified \|/);
    assert.match(body, /\| vim-enhanced \| {2}\| 2:9\.1-1\.fc42 \|/);
    assert.match(body, /\*\*Commits:\*\* 2 /);
    assert.match(body, /Boot evidence:\*\* \[smoke-boot run\]\(https:\/\/github\.com\/daniel-g-carrasco\/margine-image\/actions\/runs\/19000000042\)/);
    assert.ok(fs.statSync(path.join(repo.clone + "-tmp", "release-notes-full.md")).size > 0, "the full notes for the artifact");
    const pushed = YAML.parse(repo.run(["show", `origin/release/stable-${newDigest.slice(7, 19)}:Pulumi.release.yaml`]));
    assert.equal(pushed.config["margine-pipeline:release"].stable.digest, newDigest);
  });

  it("release.yml's notes step compares the base branch's stack file with the pull request's", async () => {
    const repo = repository("pr");
    fs.mkdirSync(repo.clone + "-tmp");
    fs.writeFileSync(path.join(repo.clone, "Pulumi.release.yaml"), stackFile(newDigest));
    repo.run(["commit", "--quiet", "-am", "release: promote"]);
    // The pull request's checkout holds its head only: the base comes in with one fetch.
    const shallow = path.join(root, "pr-checkout");
    execFileSync(git, ["clone", "--quiet", "--depth=1", `file://${path.join(root, "pr.git")}`, shallow], { stdio: "ignore" });
    fs.mkdirSync(shallow + "-tmp");
    repo.run(["push", "--quiet", "origin", "HEAD:refs/heads/pr"]);
    execFileSync(git, ["fetch", "--quiet", "--depth=1", "origin", "pr"], { cwd: shallow });
    execFileSync(git, ["checkout", "--quiet", "FETCH_HEAD"], { cwd: shallow });
    const step = stepOf(releaseWorkflow().jobs.preview.steps, "Release notes of this pull request");
    assert.equal(step.run, NOTES_SCRIPT);
    const res = await bash(NOTES_SCRIPT, shallow, { BASE_SHA: repo.main, STACK_FILE: "Pulumi.release.yaml", RUN_URL: "https://github.com/o/p/actions/runs/7" });
    assert.equal(res.code, 0, res.stderr + res.stdout);
    const summary = fs.readFileSync(path.join(shallow + "-tmp", "release-notes.md"), "utf8");
    assert.match(summary, /^## Release notes: Update of /);
    assert.match(summary, /Full notes: https:\/\/github\.com\/o\/p\/actions\/runs\/7/);
    assert.doesNotMatch(summary, /<details>/, "the comment gets the summary; the lists are in the full notes");
    assert.match(fs.readFileSync(path.join(shallow + "-tmp", "release-notes-full.md"), "utf8"), /<summary>Added \(1\)<\/summary>/);

    // A base that cannot be fetched: one line instead of notes, and the step still passes.
    const broken = await bash(NOTES_SCRIPT, shallow, { BASE_SHA: "f".repeat(40), STACK_FILE: "Pulumi.release.yaml", RUN_URL: "https://x/runs/7" });
    assert.equal(broken.code, 0, broken.stderr);
    assert.match(fs.readFileSync(path.join(shallow + "-tmp", "release-notes.md"), "utf8"), /^_No release notes for this pull request: .+_$/m);
  });

  it("the comment step posts one comment, then edits it on the next push, and leaves a human's comment alone", async () => {
    const work = path.join(root, "comment");
    fs.mkdirSync(path.join(work, "preview"), { recursive: true });
    fs.mkdirSync(work + "-tmp");
    const step = stepOf(releaseWorkflow().jobs.comment.steps, "Post the diff on the pull request");
    assert.equal(step.run, COMMENT_SCRIPT);
    const key = "daniel-g-carrasco/margine-pipeline#42";
    github.issueComments.set(key, [{ id: 1, user: "maintainer", body: `${PREVIEW_COMMENT_MARKER}\nquoted by a human` }]);
    const env = { GH_TOKEN: "t", PR_NUMBER: "42", OUTCOME: "success", STACK: "release", GITHUB_REPOSITORY: "daniel-g-carrasco/margine-pipeline" };
    const post = async (notes: string, diff: string) => {
      fs.writeFileSync(path.join(work, "preview", "release-notes.md"), notes);
      fs.writeFileSync(path.join(work, "preview", "preview.txt"), diff);
      const res = await bash(COMMENT_SCRIPT, work, env);
      assert.equal(res.code, 0, res.stderr + res.stdout);
      return res.stdout;
    };
    assert.match(await post("## Release notes: first push\n", "~ stable: a => b\n"), /Posted the preview comment/);
    assert.match(await post("## Release notes: second push\n", "~ stable: a => c\n" + "x".repeat(70_000)), /Updated the preview comment 1000/);
    const comments = github.issueComments.get(key)!;
    assert.equal(comments.length, 2, "one comment of ours beside the human's");
    assert.equal(comments[0].body, `${PREVIEW_COMMENT_MARKER}\nquoted by a human`);
    assert.match(comments[1].body, /^<!-- margine-release-preview -->\n## Release notes: second push\n/);
    assert.doesNotMatch(comments[1].body, /first push/);
    assert.ok(comments[1].body.length < 65_536, `${comments[1].body.length} characters`);
  });
});
