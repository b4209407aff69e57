// One test per handbook lesson, asserted on the parsed YAML GitHub will read. build-disk.yml's (11.2) are in
// lessons-build-disk.test.ts.
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { TagGrammar } from "../../../grammar/values";
import { PIPELINE_ENVIRONMENTS } from "../../../components/github/pipeline-repository";
import { ALL_FILES, ParsedWorkflow, WORKFLOW_FILES, parsed, runScripts, step, text } from "./generated";
import { parse } from "yaml";

/** Script lines that do something: no comments, no messages. */
const commands = (script: string): string[] =>
  script
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#") && !/^echo /.test(l));

const allWorkflows = (): [string, ParsedWorkflow][] => WORKFLOW_FILES.map((f) => [f.path, parse(f.content) as ParsedWorkflow]);

describe("handbook lessons carried by the generated workflows", () => {
  describe("build.yml (11.1)", () => {
    const build = parsed("build.yml");
    const push = step(build.jobs.build, "Push rechunked image to GHCR");

    it("captures the manifest digest once with skopeo --digestfile and hands over IMAGE@DIGEST", () => {
      // One push loop with one digest file per pushing job: main's candidates and a vm-test PR's pr-N.
      for (const jobId of ["build", "push_pr"]) {
        const digestfileUses = commands(step(build.jobs[jobId], /^Push/).run!).filter((l) => l.includes("--digestfile"));
        assert.deepEqual(digestfileUses, ['--digestfile="$DIGEST_FILE" \\'], `${jobId}: one push loop, one digest file`);
      }
      assert.match(push.run!, /sudo skopeo copy [^\n]*\\\n(\s+[^\n]*\\\n)*\s+--digestfile="\$DIGEST_FILE"/);
      assert.match(push.run!, /if \[\[ -z "\$DIGEST" \]\]; then\n\s+DIGEST="\$pushed"/);
      assert.equal(push.run!.match(/^\s*DIGEST=/gm)?.length, 2, "DIGEST is initialised empty and assigned once");
      assert.match(push.run!, /echo "image_ref=\$\{IMG_FULL\}@\$\{DIGEST\}" >> "\$GITHUB_OUTPUT"/);
      assert.equal(build.jobs.build.outputs?.digest, "${{ steps.push.outputs.digest }}");
    });

    it("signs with cosign by digest (@${DIGEST}), never by tag", () => {
      const sign = build.jobs.sign;
      const script = step(sign, "Sign the pushed digest").run!;
      const signLines = script.split("\n").filter((l) => /cosign sign\b/.test(l));
      assert.deepEqual(signLines, ['cosign sign --yes --recursive --key env://COSIGN_PRIVATE_KEY "${IMAGE}@${DIGEST}"']);
      assert.equal(step(sign, "Sign the pushed digest").env?.DIGEST, "${{ needs.build.outputs.digest }}");
      assert.match(script, /\^sha256:\[0-9a-f\]\{64\}\$/, "refuses anything that is not a digest");
      assert.deepEqual(sign.needs, ["build"]);
    });

    it("emits tags only per the tag grammar through docker/metadata-action, never :latest", () => {
      const metadata = step(build.jobs.build, /Image tags/);
      assert.match(metadata.uses!, /^docker\/metadata-action@[0-9a-f]{40}$/);
      assert.equal(metadata.with?.flavor, "latest=false");
      const lines = String(metadata.with?.tags).split("\n");
      assert.equal(lines.length, 3);
      // What metadata-action makes of each line, for a push on 2026-11-20 and pull request 42.
      const produced = lines.map((line) => {
        const value = /value=([^,]+)/.exec(line)?.[1];
        if (value) return value.replace("{{date 'YYYYMMDD'}}", "20261120");
        assert.match(line, /^type=ref,event=pr,prefix=pr-,/);
        return "pr-42";
      });
      assert.deepEqual(
        produced.map((t) => TagGrammar.parse(t)?.kind),
        ["candidate", "candidate-dated", "pr"],
      );
      assert.match(lines[2], /enable=\$\{\{ github\.event_name == 'pull_request' \}\}/);
      for (const line of lines.slice(0, 2)) assert.match(line, /enable=\$\{\{ github\.event_name != 'pull_request' \}\}/);
      for (const file of ALL_FILES) assert.doesNotMatch(file.content, /:latest\b|latest=true/, file.path);
    });

    it("pushes :pr-N only for pull requests labeled vm-test", () => {
      assert.match(build.jobs.push_pr.if!, /contains\(github\.event\.pull_request\.labels\.\*\.name, 'vm-test'\)/);
      assert.equal(push.if, undefined, "main's build always pushes its candidates");
      assert.deepEqual((build.on.pull_request as { types: string[] }).types.includes("labeled"), true);
      assert.ok("schedule" in build.on && "push" in build.on, "main pushes and the weekly cron build candidates");
    });
  });

  describe("smoke-boot.yml (11.1, promotion gated on a real boot)", () => {
    const smoke = parsed("smoke-boot.yml");

    it("resolves :candidate to a digest once, then boots and releases only the pinned digest", () => {
      const everything = Object.values(smoke.jobs)
        .flatMap((j) => j.steps.map((s) => `${s.run ?? ""}\n${JSON.stringify(s.env ?? {})}\n${JSON.stringify(s.with ?? {})}`))
        .join("\n");
      const reads = commands(everything).filter((l) => /:candidate\b/.test(l));
      assert.deepEqual(
        reads,
        [`DIGEST="$(skopeo inspect --no-tags --format '{{.Digest}}' "docker://\${IMAGE}:candidate")"`],
        "the moving tag is read exactly once",
      );
      const resolve = step(smoke.jobs.boot, "Resolve image ref to digest");
      assert.match(resolve.run!, /skopeo inspect --no-tags --format '\{\{\.Digest\}\}' "docker:\/\/\$\{IMAGE\}:candidate"/);
      assert.equal(step(smoke.jobs.boot, /Boot the pinned digest/).env?.PINNED, "${{ steps.resolve.outputs.pinned }}");
      assert.equal(smoke.jobs.boot.outputs?.digest, "${{ steps.resolve.outputs.digest }}");
      const release = smoke.jobs.release_pr;
      assert.equal(release.if, "needs.boot.outputs.passed == 'true'");
      const open = step(release, "Open the release pull request");
      assert.equal(open.env?.DIGEST, "${{ needs.boot.outputs.digest }}");
      assert.match(open.run!, /npm run release-state -- stable --digest "\$DIGEST" --boot-run "\$BOOT_RUN" --booted-at "\$BOOTED_AT"/);
      assert.match(open.run!, /gh pr create --repo "\$PIPELINE_REPOSITORY" --base main/);
    });

    it("queues promotions: concurrency smoke-boot, cancel-in-progress false", () => {
      assert.deepEqual(smoke.concurrency, { group: "smoke-boot", "cancel-in-progress": false });
    });
  });

  describe("everywhere", () => {
    it("no workflow runs on pull_request_target", () => {
      for (const [file, wf] of allWorkflows()) assert.ok(!("pull_request_target" in wf.on), file);
    });

    it("every job declares explicit least-privilege permissions; nothing is write-all", () => {
      for (const [file, wf] of allWorkflows()) {
        assert.deepEqual(wf.permissions, {}, `${file}: the workflow default grants nothing`);
        for (const [id, job] of Object.entries(wf.jobs)) {
          assert.equal(typeof job.permissions, "object", `${file} ${id}`);
          assert.ok(job.permissions !== null, `${file} ${id}`);
          const writes = Object.entries(job.permissions as Record<string, string>)
            .filter(([, v]) => v === "write")
            .map(([k]) => k);
          // id-token: a short-lived OIDC token for the state backend, in place of a stored secret.
          // issues: the release watch's issues job, which checks out no pull-request code.
          assert.ok(
            writes.every((w) => ["packages", "pull-requests", "id-token"].includes(w) || (w === "issues" && file.endsWith("watch.yml") && id === "issues")),
            `${file} ${id} writes ${writes.join(", ")}`,
          );
        }
        assert.doesNotMatch(text(path.basename(file)), /write-all|read-all/);
      }
    });

    it("every job has a timeout and runs on ubuntu-24.04", () => {
      for (const [file, wf] of allWorkflows()) {
        for (const [id, job] of Object.entries(wf.jobs)) {
          assert.ok(Number.isInteger(job["timeout-minutes"]) && job["timeout-minutes"]! <= 360, `${file} ${id}`);
          assert.equal(job["runs-on"], "ubuntu-24.04", `${file} ${id}`);
        }
      }
    });

    it("pins every third-party action to a full commit SHA with its release in a comment", () => {
      let count = 0;
      for (const file of WORKFLOW_FILES) {
        for (const line of file.content.split("\n").filter((l) => /^\s+(- )?uses: /.test(l))) {
          assert.match(line, /uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/, `${file.path}: ${line.trim()}`);
          count++;
        }
      }
      assert.ok(count >= 10, `expected the workflows' actions, found ${count}`);
    });

    it("never inlines an expression in a script: untrusted values come in through env", () => {
      for (const { where, script } of runScripts()) assert.ok(!script.includes("${{"), where);
    });
  });

  describe("release.yml of this repository", () => {
    const release = parsed("release.yml");

    it("queues deploys of the release stack on the up job only: a preview never cancels or queues a deploy", () => {
      assert.equal(release.concurrency, undefined);
      assert.deepEqual((release.jobs.up as { concurrency?: unknown }).concurrency, { group: "release-stack", "cancel-in-progress": false });
      assert.equal((release.jobs.preview as { concurrency?: unknown }).concurrency, undefined);
    });

    it("previews pull requests with no write scope, and a separate job that runs no PR code posts the diff", () => {
      const preview = release.jobs.preview;
      assert.equal(preview.if, "github.event_name == 'pull_request'");
      assert.deepEqual(preview.permissions, { contents: "read", "id-token": "write" });
      assert.equal(preview.environment, undefined, "a pull request never reaches the release environment");
      const comment = release.jobs.comment;
      assert.deepEqual(comment.permissions, { "pull-requests": "write" });
      assert.ok(
        comment.steps.every((s) => !s.uses?.startsWith("actions/checkout") && !/^\s*(npm|pulumi|node|scripts\/)/m.test(s.run ?? "")),
        "the comment job checks out and runs nothing of the PR",
      );
      // The script itself runs against the GitHub stand-in in release-notes-jobs.test.ts.
      assert.deepEqual(Object.keys(step(comment, "Post the diff on the pull request").env ?? {}).sort(), ["GH_TOKEN", "OUTCOME", "PR_NUMBER"]);
    });

    it("runs pulumi up on main only, in the release environment, with the write credentials on that step only", () => {
      const up = release.jobs.up;
      assert.equal(up.if, "github.event_name != 'pull_request' && github.ref == 'refs/heads/main'");
      assert.equal(up.environment, PIPELINE_ENVIRONMENTS.release);
      assert.equal(step(up, "pulumi up").env?.SITE_BUMP_TOKEN, "${{ secrets.SITE_BUMP_TOKEN }}");
      assert.equal(step(up, "pulumi up").env?.REGISTRY_PASSWORD, "${{ secrets.REGISTRY_PASSWORD }}");
      assert.equal(release.env?.STACK, "release");
      for (const s of up.steps.filter((x) => x.name !== "pulumi up")) assert.doesNotMatch(JSON.stringify(s), /secrets\./, s.name);
    });
  });
});
