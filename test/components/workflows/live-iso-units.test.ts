// The live ISO's "units that must not run" script, run for real against a stand-in systemctl: units
// that exist are disabled, a renamed or missing one is skipped without failing the ISO build.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LIVE_SESSION_DISABLED_UNITS, liveSessionDropIns, renderLiveIsoUnitsScript } from "../../../components/workflows/live-iso-units";
import { FILES } from "./generated";
import { requireTool } from "../../../fixtures/system-tool";

describe("live ISO units that must not run", () => {
  const script = renderLiveIsoUnitsScript();

  it("guards every disable with systemctl list-unit-files", () => {
    assert.match(script, /if systemctl list-unit-files "\$unit" >\/dev\/null 2>&1; then\n\s+systemctl disable "\$unit"/);
    for (const { unit } of LIVE_SESSION_DISABLED_UNITS) assert.match(script, new RegExp(`^  ${unit.replace(/\./g, "\\.")} +#`, "m"));
    assert.ok(LIVE_SESSION_DISABLED_UNITS.some((u) => u.unit === "uupd.timer"));
  });

  it("disables the units that exist and skips the ones that do not", () => {
    const bash = requireTool("bash", "bash");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "margine-live-iso-"));
    try {
      const log = path.join(dir, "calls.log");
      // A systemctl that knows every unit except uupd.timer (as if upstream renamed it).
      fs.writeFileSync(
        path.join(dir, "systemctl"),
        `#!/usr/bin/env bash
echo "$*" >> "${log}"
if [[ "$1" == list-unit-files && "$2" == uupd.timer ]]; then exit 1; fi
exit 0
`,
        { mode: 0o755 },
      );
      fs.writeFileSync(path.join(dir, "units.sh"), script);
      const result = spawnSync(bash, [path.join(dir, "units.sh")], { encoding: "utf8", env: { ...process.env, PATH: `${dir}:${process.env.PATH}` } });
      assert.equal(result.status, 0, result.stderr);
      const disabled = fs
        .readFileSync(log, "utf8")
        .split("\n")
        .filter((l) => l.startsWith("disable "))
        .map((l) => l.slice(8));
      assert.deepEqual(
        disabled,
        LIVE_SESSION_DISABLED_UNITS.map((u) => u.unit).filter((u) => u !== "uupd.timer"),
      );
      assert.match(result.stdout, /uupd\.timer is not installed; nothing to disable/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses a unit name that is not a systemd unit file", () => {
    assert.throws(() => renderLiveIsoUnitsScript([{ unit: "uupd; rm -rf /", why: "x" }]), /expected a systemd unit file name/);
  });

  it("a drop-in per unit, committed under build_files/system_files, skips it in a live boot only (systemd's own check)", () => {
    const analyze = requireTool("systemd-analyze", "systemd");
    const dropIns = liveSessionDropIns();
    assert.deepEqual(
      dropIns.map((d) => d.path.split("/").slice(-2)[0]),
      LIVE_SESSION_DISABLED_UNITS.map((u) => `${u.unit}.d`),
    );
    const committed = FILES.imageRepository.map((f) => f.path);
    for (const d of dropIns) {
      assert.ok(committed.includes(d.path), d.path);
      assert.match(d.path, /^build_files\/system_files\/usr\/lib\/systemd\/system\/[^/]+\.d\/50-margine-not-live-[^/]+\.conf$/);
      const condition = /^(Condition\S+)$/m.exec(d.content)![1];
      // SYSTEMD_PROC_CMDLINE stands in for /proc/cmdline: a live ISO boot, then an installed system.
      const live = spawnSync(analyze, ["condition", condition], {
        encoding: "utf8",
        env: { ...process.env, SYSTEMD_PROC_CMDLINE: "root=live:CDLABEL=Margine rd.live.image quiet" },
      });
      assert.equal(live.status, 1, `${d.path} must not run in a live session: ${live.stdout}${live.stderr}`);
      const installed = spawnSync(analyze, ["condition", condition], {
        encoding: "utf8",
        env: { ...process.env, SYSTEMD_PROC_CMDLINE: "root=UUID=1234 rw rhgb quiet" },
      });
      assert.equal(installed.status, 0, `${d.path} must run on an installed system: ${installed.stdout}${installed.stderr}`);
    }
  });
});
