// One test per handbook lesson, asserted on the parsed YAML GitHub will read: build-disk.yml's (11.2).
// The other workflows' lessons are in lessons.test.ts.
import * as assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { IMAGE_ENVIRONMENTS } from "../../../components/github/image-repository";
import { parsed, step, text } from "./generated";

describe("handbook lessons carried by the generated workflows", () => {
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
});
