// Every shell file the edge gets, checked by shellcheck (Debian shellcheck), and the prune script
// run for real on a temporary directory holding files of various ages (touch -d).
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EDGE_FILES, ORIGIN_PEM } from "../../../components/edge/edge-files";
import { renderPruneScript } from "../../../components/edge/iso-pruning";
import {
  renderCertificateScript,
  renderInstallFallbackCert,
  renderInstallScript,
  renderProvisionScript,
  renderRemoveScript,
} from "../../../components/edge/remote-scripts";
import { requireTool, runTool } from "../../../fixtures/system-tool";

const FALLBACK = "direct.files.example.test";

/** name -> script text: the two installed scripts and every command the component runs over SSH. */
function shellFiles(): Map<string, string> {
  const files = new Map<string, string>([
    ["margine-prune-isos", renderPruneScript()],
    ["margine-install-fallback-cert", renderInstallFallbackCert(FALLBACK)],
    ["commands/provision.sh", renderProvisionScript(FALLBACK)],
    ["commands/fallback-certificate.sh", renderCertificateScript(FALLBACK)],
    ["commands/install-origin-pem.sh", renderInstallScript(ORIGIN_PEM)],
    ["commands/remove-origin-pem.sh", renderRemoveScript(ORIGIN_PEM)],
  ]);
  for (const file of EDGE_FILES) {
    files.set(`commands/install-${file.id}.sh`, renderInstallScript(file));
    files.set(`commands/remove-${file.id}.sh`, renderRemoveScript(file));
  }
  return files;
}

describe("edge shell files", function () {
  this.timeout(60_000);

  describe("shellcheck", () => {
    for (const [name, text] of shellFiles()) {
      it(`${name} is clean (POSIX sh)`, () => {
        const shellcheck = requireTool("shellcheck", "shellcheck");
        // Commands run through the remote login shell: check them as POSIX sh, the strictest case.
        try {
          runTool(shellcheck, ["-s", "sh", "-"], { input: text });
        } catch (err) {
          assert.fail(`shellcheck on ${name}:\n${(err as { stdout?: string }).stdout ?? err}`);
        }
      });
    }
    it("catches a real mistake (the check has teeth)", () => {
      const shellcheck = requireTool("shellcheck", "shellcheck");
      assert.throws(() => runTool(shellcheck, ["-s", "sh", "-"], { input: "rm -rf $1/*\n" }));
    });
  });

  describe("margine-prune-isos on a directory of ISOs of various ages", () => {
    let dir: string;
    let script: string;
    const DAY = 24 * 3600;
    // name -> age in seconds. The newest ISO past 7 days (to the minute) stays, as the page may have
    // linked it within the last week; every older ISO goes; nothing else is touched.
    const ages: Record<string, number> = {
      "margine-20261101.iso": 24 * DAY,
      "margine-20261112.iso": 8 * DAY,
      "margine-20261113.iso": 7 * DAY + 3600, // just past the window
      "margine-20261114.iso": 7 * DAY - 3600, // just inside it
      "margine-20261118.iso": 2 * DAY,
      "margine-20261120.iso": 0,
      SHA256SUMS: 30 * DAY, // not an ISO
      "notes.txt": 30 * DAY,
      ".margine-20261121.iso.Xa81Qz": 30 * DAY, // an rsync partial transfer
    };

    before(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "edge-prune-"));
      script = path.join(dir, "margine-prune-isos");
      fs.writeFileSync(script, renderPruneScript(), { mode: 0o755 });
      fs.mkdirSync(path.join(dir, "iso"));
      fs.mkdirSync(path.join(dir, "iso", "old-dir.iso"));
      fs.symlinkSync("/etc/hostname", path.join(dir, "iso", "link.iso"));
      const now = Math.floor(Date.now() / 1000);
      for (const [name, age] of Object.entries(ages)) {
        const file = path.join(dir, "iso", name);
        fs.writeFileSync(file, name);
        runTool("touch", ["-d", `@${now - age}`, file]);
      }
      runTool("touch", ["-h", "-d", `@${now - 30 * DAY}`, path.join(dir, "iso", "link.iso")]);
      runTool("touch", ["-d", `@${now - 30 * DAY}`, path.join(dir, "iso", "old-dir.iso")]);
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("deletes the ISOs older than the newest one past 7 days, and prints them", () => {
      const printed = runTool(script, [path.join(dir, "iso"), "7"])
        .trim()
        .split("\n")
        .map((l) => path.basename(l))
        .sort();
      assert.deepEqual(printed, ["margine-20261101.iso", "margine-20261112.iso"]);
      const left = fs.readdirSync(path.join(dir, "iso")).sort();
      assert.deepEqual(left, [
        ".margine-20261121.iso.Xa81Qz",
        "SHA256SUMS",
        "link.iso",
        "margine-20261113.iso",
        "margine-20261114.iso",
        "margine-20261118.iso",
        "margine-20261120.iso",
        "notes.txt",
        "old-dir.iso",
      ]);
      assert.ok(fs.existsSync("/etc/hostname"), "a symlink's target is never touched");
    });

    it("is idempotent: a second run deletes nothing", () => {
      assert.equal(runTool(script, [path.join(dir, "iso"), "7"]), "");
    });

    it("refuses a non-numeric retention and a missing directory, with a message", () => {
      assert.throws(() => runTool(script, [path.join(dir, "iso"), "7d"]), /RETENTION_DAYS must be a whole number of days, got '7d'/);
      assert.throws(() => runTool(script, [path.join(dir, "nowhere")]), /no ISO directory/);
    });
  });
});
