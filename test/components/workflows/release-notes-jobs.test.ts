// Where the release notes show, run for real: smoke-boot's release PR step (bash, real git, the
// real release-notes and release-state CLIs, images signed and attested by the real cosign in the
// real registry), release.yml's notes step (the base fetched by git from the pull request's
// checkout) and its comment step (curl and jq against the GitHub stand-in: one comment per pull
// request, edited on each push, a human's comment never touched).
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import { COMMENT_SCRIPT, NOTES_SCRIPT, PREVIEW_COMMENT_MARKER, releaseWorkflow } from "../../../components/workflows/release";
import { smokeBootWorkflow } from "../../../components/workflows/smoke-boot";
import { GitHubApiStandIn } from "../../../fixtures/servers/github-api";
import { ReleaseImageBuilder } from "../../support/release-images";
import { NotesJobsWorld, stepOf } from "../../support/release-notes-jobs-world";

describe("release notes in the release pull request and the preview comment, run for real", function () {
  this.timeout(180_000);
  const world = new NotesJobsWorld();
  const { git, stackFile, repository, bash } = world;
  let github: GitHubApiStandIn;
  let images: ReleaseImageBuilder;
  let root: string;
  let newDigest: string;

  before(async () => {
    await world.start();
    ({ github, images, root, newDigest } = world);
  });
  after(() => world.stop());

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
