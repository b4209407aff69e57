// One test per handbook lesson, asserted on the parsed YAML GitHub will read.
import * as assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { TagGrammar } from "../../../grammar/values";
import { IMAGE_ENVIRONMENTS } from "../../../components/github/image-repository";
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

  describe("build-disk.yml (11.2)", () => {
    const disk = parsed("build-disk.yml");

    it("uploads to IA in a separate publish_ia job with timeout-minutes 350 and the incident in a comment", () => {
      const ia = disk.jobs.publish_ia;
      assert.deepEqual(ia.needs, ["build_disk"]);
      assert.equal(ia["timeout-minutes"], 350);
      assert.equal(ia.environment, IMAGE_ENVIRONMENTS.internetArchive);
      assert.ok(!disk.jobs.build_disk.steps.some((s) => /publish-iso/.test(s.run ?? "")), "build_disk does not upload");
      const source = text("build-disk.yml");
      assert.match(source, /#[^\n]*run #27166954601[^\n]*\n(\s+#[^\n]*\n)*\s+timeout-minutes: 350\n/);
      assert.match(source, /#[^\n]*rerun isolation[^\n]*\n(\s+#[^\n]*\n)*\s+publish_ia:\n/);
      const upload = step(ia, "Upload to the Internet Archive").run!;
      assert.match(upload, /for attempt in 1 2 3 4 5; do/);
      assert.match(upload, /sleep 60/);
      assert.match(upload, /npm run --silent publish-iso -- --identifier "\$IDENTIFIER" --file "\$ISO" --file "\$SUMS"[\s\S]*--config-file "\$IA_CONFIG_FILE"/);
    });

    it("verifies SHA256SUMS with sha256sum -c, then regenerates it for the published layout (basenames)", () => {
      const verify = step(disk.jobs.publish_ia, "Locate ISO + verify integrity");
      const ia = disk.jobs.publish_ia.steps.map((s) => s.name);
      assert.ok(ia.indexOf(verify.name) < ia.indexOf("Upload to the Internet Archive"));
      // Run the step's own script: an artifact whose SHA256SUMS uses build-side paths fails the
      // check (run #26789024483); a good one passes and comes out with basenames only.
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "margine-sums-"));
      try {
        const outdir = path.join(dir, "dist");
        fs.mkdirSync(outdir);
        fs.writeFileSync(path.join(outdir, "margine-20261120.iso"), "not really an ISO\n");
        const env = { ...process.env, OUTDIR: outdir, ISO_NAME: "margine-20261120.iso" };
        const sum = execFileSync("sha256sum", ["margine-20261120.iso"], { cwd: outdir, encoding: "utf8" }).split(" ")[0];
        fs.writeFileSync(path.join(outdir, "SHA256SUMS"), `${sum}  bootiso/install.iso\n`);
        assert.notEqual(spawnSync("bash", ["-eo", "pipefail", "-c", verify.run!], { env, encoding: "utf8" }).status, 0);
        fs.writeFileSync(path.join(outdir, "SHA256SUMS"), `${sum}  ./margine-20261120.iso\n`);
        const ok = spawnSync("bash", ["-eo", "pipefail", "-c", verify.run!], { env, encoding: "utf8", cwd: dir });
        assert.equal(ok.status, 0, ok.stderr);
        assert.equal(fs.readFileSync(path.join(outdir, "SHA256SUMS"), "utf8"), `${sum}  margine-20261120.iso\n`);
        assert.equal(spawnSync("sha256sum", ["-c", "SHA256SUMS"], { cwd: outdir }).status, 0);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it("rsyncs the ISO to the edge for the 7-day fallback, in its own job with the deploy key", () => {
      const edge = disk.jobs.edge_sync;
      assert.equal(edge.environment, IMAGE_ENVIRONMENTS.edge);
      assert.deepEqual(edge.needs, ["build_disk"], "the fallback does not wait for IA");
      step(edge, "Locate ISO + verify integrity");
      const rsync = step(edge, "Rsync the ISO to the edge");
      assert.match(
        rsync.run!,
        /rsync [\s\S]*ssh -p \$EDGE_SSH_PORT[\s\S]*StrictHostKeyChecking=yes[\s\S]*"\$OUTDIR\/\$ISO_NAME" "margine-deploy@\$\{EDGE_SSH_HOST\}:"/,
      );
      assert.equal(rsync.env?.EDGE_SSH_HOST, "${{ vars.EDGE_SSH_HOST }}");
      assert.equal(rsync.env?.EDGE_SSH_PORT, "${{ vars.EDGE_SSH_PORT }}");
      assert.equal(rsync.env?.EDGE_KNOWN_HOSTS, "${{ vars.EDGE_KNOWN_HOSTS }}");
      assert.match(text("build-disk.yml"), /# The 7-day fallback[^\n]*\n\s+#[^\n]*prunes ISOs superseded more than 7 days ago/);
      assert.equal(step(disk.jobs.build_disk, "Upload iso artifact").with?.["retention-days"], 7);
    });

    it("waits 25 minutes for IA's torrent (publish-iso's bounded wait), then degrades to HTTP links with a warning", () => {
      const upload = step(disk.jobs.publish_ia, "Upload to the Internet Archive");
      assert.equal(upload.env?.TORRENT_WAIT_MINUTES, "25");
      assert.match(upload.run!, /--torrent-wait "\$\(\(TORRENT_WAIT_MINUTES \* 60\)\)"/);
      assert.equal(disk.jobs.publish_ia.outputs?.torrent, "${{ steps.upload.outputs.torrent }}");
      const release = step(disk.jobs.release_pr, "Open the release pull request");
      assert.equal(release.env?.TORRENT, "${{ needs.publish_ia.outputs.torrent }}");
      // The PR body's wording without a torrent is run in release-pr-contract.test.ts.
      assert.match(release.run!, /--torrent "\$TORRENT"/);

      // The upload script itself, with publish-iso answering as it does when the derive is slow
      // (torrentUrl null) and when the torrent exists: real bash, jq and sha256sum. The release
      // entries take md5 and size from publish-iso's report and the ISO's sha256 from SHA256SUMS:
      // the multi-GB ISO is not hashed again.
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "publish-ia-"));
      try {
        const outdir = path.join(tmp, "dist"); // build-disk.ts OUTDIR, inlined in the script
        fs.mkdirSync(outdir);
        fs.writeFileSync(path.join(outdir, "margine-20261124.iso"), "iso bytes");
        const isoSha = crypto.createHash("sha256").update("iso bytes").digest("hex");
        const sums = `${isoSha}  margine-20261124.iso\n`;
        fs.writeFileSync(path.join(outdir, "SHA256SUMS"), sums);
        const sumsSha = crypto.createHash("sha256").update(sums).digest("hex");
        const reported = [
          { name: "margine-20261124.iso", md5: "a".repeat(32), size: 9 },
          { name: "SHA256SUMS", md5: "b".repeat(32), size: sums.length },
        ];
        const runUpload = (torrentUrl: string | null, files = reported) => {
          const bin = path.join(tmp, "bin");
          fs.mkdirSync(bin, { recursive: true });
          fs.writeFileSync(path.join(bin, "npm"), `#!/usr/bin/env bash\necho '${JSON.stringify({ identifier: "margine-20261124", torrentUrl, files })}'\n`, {
            mode: 0o755,
          });
          const output = path.join(tmp, "github-output");
          fs.writeFileSync(output, "");
          const res = spawnSync("bash", ["-euo", "pipefail", "-c", upload.run!], {
            cwd: tmp,
            encoding: "utf8",
            env: {
              ...process.env,
              ...upload.env,
              PATH: `${bin}:${process.env.PATH}`,
              RUNNER_TEMP: tmp,
              GITHUB_WORKSPACE: tmp,
              GITHUB_OUTPUT: output,
              GITHUB_RUN_ID: "1",
              IA_CONFIG_INI: "[s3]",
              IDENTIFIER: "margine-20261124",
              DATE: "20261124",
              ISO_NAME: "margine-20261124.iso",
              TORRENT_WAIT_MINUTES: "25",
            },
          });
          return { code: res.status, stderr: res.stderr, stdout: res.stdout, output: fs.readFileSync(output, "utf8") };
        };
        const slow = runUpload(null);
        assert.equal(slow.code, 0, slow.stderr);
        assert.match(slow.stdout, /::warning::IA has not derived margine-20261124_archive\.torrent after 25 minutes; publishing HTTP links only/);
        assert.match(slow.output, /^torrent=$/m);
        assert.match(
          slow.output,
          new RegExp(`^files=margine-20261124\\.iso:${isoSha}:${"a".repeat(32)}:9 SHA256SUMS:${sumsSha}:${"b".repeat(32)}:${sums.length}$`, "m"),
        );
        const derived = runUpload("https://archive.org/download/margine-20261124/margine-20261124_archive.torrent");
        assert.equal(derived.code, 0, derived.stderr);
        assert.doesNotMatch(derived.stdout, /::warning::/);
        assert.match(derived.output, /^torrent=https:\/\/archive\.org\/download\/margine-20261124\/margine-20261124_archive\.torrent$/m);
        // A file publish-iso reports that SHA256SUMS does not list: the step fails, declaring nothing.
        const unlisted = runUpload(null, [...reported, { name: "extra.img", md5: "c".repeat(32), size: 1 }]);
        assert.equal(unlisted.code, 1);
        assert.match(unlisted.stdout, /::error::no sha256 for extra\.img in SHA256SUMS/);
        assert.doesNotMatch(unlisted.output, /^files=/m);
      } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
      }
    });

    it("declares the ISO through a release PR; the LATEST_ISO_DATE bump is Pulumi's, not a sed", () => {
      const release = step(disk.jobs.release_pr, "Open the release pull request");
      assert.match(release.run!, /npm run release-state -- iso --date "\$DATE" --identifier "\$IDENTIFIER" "\$\{file_args\[@\]\}"/);
      assert.doesNotMatch(text("build-disk.yml"), /sed -i|LATEST_ISO_DATE = /);
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
