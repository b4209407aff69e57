// Fault injection, the rerun rule: every CLI a workflow may lose mid-run (a cancelled job, a runner
// that dies) is killed at several points - chosen by bytes received or by request count, never by a
// sleep - with SIGKILL, SIGTERM or SIGINT, and the same command is run again. The rerun must finish
// the job: the end state is asserted, not the exit line. publish-iso's cases are in kill-rerun-publish-iso.test.ts.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { SYNTH_MARKER } from "../../../scripts/offline/output-dir";
import { FaultProxy } from "../../../fixtures/servers/fault-proxy";
import { LocalRegistry, pushTestImage, startRegistry } from "../../../fixtures/servers/registry";
import { skopeoDigest } from "../../providers/oci/registry-fixture";
import { PROJECT_DIR } from "../../support/program-run";
import { runScript, startScript, waitUntil } from "../../support/processes";
import { KILLED, MiB, SIGNALS } from "./kill-signals";

describe("fault injection: killed at any point, the same command run again finishes the job", function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "faults-kill-"));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  describe("promote (tags half-moved)", () => {
    let registry: LocalRegistry;
    before(async () => {
      registry = await startRegistry();
    });
    after(async () => registry.stop());

    SIGNALS.forEach((signal, i) => {
      // Each case promotes a newer image with newer dated tags, so the cases do not depend on each other.
      const date = `2026120${5 + i}`;
      const tags = [`stable.${date}`, date, "stable"];
      const held = tags[i];
      it(`${signal} while the PUT of :${held} (move ${i + 1} of 3) is unanswered: the rerun moves the rest`, async () => {
        const { digest } = await pushTestImage(registry.host, "margine", `candidate-${date}`, { seed: date });
        const proxy = await new FaultProxy(registry.host).start();
        try {
          proxy.faults.push({ method: "PUT", path: new RegExp(`/manifests/${held.replace(".", "\\.")}$`), status: 0, hang: true });
          const args = ["--image", `${proxy.host}/margine`, "--digest", digest, "--tags", tags.join(","), "--insecure", "--no-verify", "--read-timeout", "60"];
          const first = startScript("promote", args);
          await waitUntil(() => proxy.requests.some((r) => r.status === 0) || first.child.exitCode !== null, 20_000, `the PUT of :${held}`);
          assert.equal(first.child.exitCode, null, `promote ended before the kill: ${first.stderr()}`);
          first.child.kill(signal);
          assert.equal((await first.exited).code, KILLED[signal], first.stderr());
          // The dated tags move before :stable (in either order); the held one has not moved.
          assert.notEqual(skopeoDigest(registry.host, "margine", held), digest, `:${held} did not move`);
          if (held !== "stable") assert.notEqual(skopeoDigest(registry.host, "margine", "stable"), digest, ":stable moves last");

          const second = startScript("promote", args);
          const { code } = await second.exited;
          assert.equal(code, 0, second.stderr());
          for (const t of tags) assert.equal(skopeoDigest(registry.host, "margine", t), digest, `:${t}`);
        } finally {
          await proxy.stop();
        }
      });
    });
  });

  describe("release-state (the stack file)", () => {
    const DIGEST = `sha256:${"2e".repeat(32)}`;
    const args = (file: string) => [
      "stable",
      "--digest",
      DIGEST,
      "--boot-run",
      "https://github.com/o/r/actions/runs/1",
      "--booted-at",
      "2026-12-05T08:00:00Z",
      "--file",
      file,
    ];

    for (const signal of SIGNALS) {
      it(`${signal} while it opens $GITHUB_OUTPUT: the stack file is the old one or the new one, and the rerun finishes`, async () => {
        const file = path.join(dir, `Pulumi.release.${signal}.yaml`);
        fs.copyFileSync(path.join(PROJECT_DIR, "Pulumi.release.yaml"), file);
        const before = fs.readFileSync(file, "utf8");
        // A FIFO nobody reads: opening it for append blocks, which holds the CLI at a known point.
        const fifo = path.join(dir, `output-${signal}`);
        assert.equal(runTool("mkfifo", [fifo]), 0);
        const first = startScript("release-state", args(file), { env: { GITHUB_OUTPUT: fifo } });
        await waitUntil(() => blockedOnFifo(first.child.pid!) || first.child.exitCode !== null, 20_000, "release-state to block opening $GITHUB_OUTPUT");
        assert.equal(first.child.exitCode, null, first.stderr());
        first.child.kill(signal);
        // SIGTERM and SIGINT are handled on the event loop, which a blocking open(2) holds: the CLI
        // acts on them once the open returns, so the reader comes now (SIGKILL needs none).
        const reader = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
        const { code } = await first.exited;
        fs.closeSync(reader);
        assert.ok(code === KILLED[signal] || code === 0, `exit ${code}: ${first.stderr()}`);
        const after = fs.readFileSync(file, "utf8");
        assert.ok(after === before || after.includes(DIGEST), "the stack file is whole: the old one or the new one");
        if (signal === "SIGKILL") assert.equal(after, before, "killed before the edit");
        const rerun = runScript("release-state", args(file), { env: { GITHUB_OUTPUT: "" } });
        assert.equal(rerun.code, 0, rerun.stderr);
        assert.match(fs.readFileSync(file, "utf8"), new RegExp(DIGEST));
      });
    }

    it("the temporary file a SIGKILL between write and rename leaves does not stop the rerun", () => {
      const file = path.join(dir, "Pulumi.release.tmp-left.yaml");
      fs.copyFileSync(path.join(PROJECT_DIR, "Pulumi.release.yaml"), file);
      fs.writeFileSync(path.join(dir, ".Pulumi.release.tmp-left.yaml.999999.tmp"), "config:\n  half: [");
      const rerun = runScript("release-state", args(file), { env: { GITHUB_OUTPUT: "" } });
      assert.equal(rerun.code, 0, rerun.stderr);
      assert.match(fs.readFileSync(file, "utf8"), new RegExp(DIGEST));
    });
  });

  describe("sha256sums (--out)", () => {
    for (const signal of SIGNALS) {
      it(`${signal} while hashing: no --out file, and the rerun writes one sha256sum -c accepts`, async () => {
        const big = path.join(dir, `big-${signal}.iso`);
        const fd = fs.openSync(big, "w");
        for (let i = 0; i < 1024; i++) fs.writeSync(fd, Buffer.alloc(MiB, i % 251));
        fs.closeSync(fd);
        const out = path.join(dir, `SHA256SUMS.${signal}`);
        const first = startScript("sha256sums", [big, "--out", out]);
        await waitUntil(() => openFiles(first.child.pid!).includes(big) || first.child.exitCode !== null, 30_000, "sha256sums to open the ISO");
        assert.equal(first.child.exitCode, null, "sha256sums finished before the kill; make the file bigger");
        first.child.kill(signal);
        assert.equal((await first.exited).code, KILLED[signal], first.stderr());
        assert.ok(!fs.existsSync(out), "no --out file after the kill");
        const rerun = runScript("sha256sums", [big, "--out", out]);
        assert.equal(rerun.code, 0, rerun.stderr);
        assert.equal(runTool("sha256sum", ["-c", path.basename(out)], dir), 0, "sha256sum -c accepts the rerun's file");
        fs.rmSync(big);
      });
    }
  });

  describe("synth (--out)", () => {
    it("a rerun over an earlier output never removes the marker, so a run killed at any point leaves a folder the next run accepts", () => {
      const out = path.join(dir, "synth-out");
      assert.equal(runScript("synth", ["--stack", "example", "--out", out]).code, 0);
      const marker = fs.statSync(path.join(out, SYNTH_MARKER));
      const folder = fs.statSync(out);
      fs.writeFileSync(path.join(out, "resources.json"), "{ half"); // what a kill mid-write leaves
      const rerun = runScript("synth", ["--stack", "example", "--out", out]);
      assert.equal(rerun.code, 0, rerun.stderr);
      assert.equal(fs.statSync(path.join(out, SYNTH_MARKER)).ino, marker.ino, "the marker was never removed");
      assert.equal(fs.statSync(out).ino, folder.ino, "the folder was emptied in place, not removed");
      JSON.parse(fs.readFileSync(path.join(out, "resources.json"), "utf8"));
    });

    it("SIGKILL once the output folder exists: the rerun accepts what is left and writes it whole", async () => {
      const out = path.join(dir, "synth-killed");
      const first = startScript("synth", ["--stack", "example", "--out", out]);
      await waitUntil(() => fs.existsSync(out) || first.child.exitCode !== null, 60_000, "synth to create its folder");
      first.child.kill("SIGKILL");
      await first.exited;
      const rerun = runScript("synth", ["--stack", "example", "--out", out]);
      assert.equal(rerun.code, 0, rerun.stderr);
      assert.ok(fs.existsSync(path.join(out, "policy.json")));
    });
  });
});

function openFiles(pid: number): string[] {
  try {
    return fs.readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
      try {
        return [fs.readlinkSync(`/proc/${pid}/fd/${fd}`)];
      } catch {
        return [];
      }
    });
  } catch {
    return [];
  }
}

/** A thread of `pid` waits in open(2) for a FIFO's reader (the kernel's wait_for_partner). */
function blockedOnFifo(pid: number): boolean {
  try {
    return fs.readdirSync(`/proc/${pid}/task`).some((t) => {
      try {
        return fs.readFileSync(`/proc/${pid}/task/${t}/wchan`, "utf8") === "wait_for_partner";
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

function runTool(tool: string, args: string[], cwd?: string): number | null {
  return spawnSync(tool, args, { cwd, stdio: "ignore" }).status;
}
