// The client-side staleness watchdog (handbook 11.1/11.4), run for real: the generated check in
// bash with stand-ins for the client's rpm-ostree, skopeo and notify-send (the machine under test
// is not a Margine client), checked for the staleness CLI's verdicts; the units by systemd's own
// systemd-analyze verify; and the files are what the image repository gets committed.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  STALENESS_PATHS,
  renderStalenessEnable,
  renderStalenessScript,
  renderStalenessService,
  renderStalenessTimer,
} from "../../../components/workflows/client-staleness-units";
import { requireTool } from "../../../fixtures/system-tool";
import { FILES } from "./generated";

const DAY = 86_400_000;

describe("client staleness user timer", () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "margine-staleness-units-"));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Runs the check as the timer would, with :stable created `ageDays` ago (or skopeo failing). */
  function check(ageDays: number | "unreachable", booted = "ostree-image-signed:docker://ghcr.io/daniel-g-carrasco/margine:stable.20261101") {
    const bin = fs.mkdtempSync(path.join(dir, "bin-"));
    const log = path.join(bin, "calls.log");
    const created = typeof ageDays === "number" ? new Date(Date.now() - ageDays * DAY).toISOString() : "";
    const stub = (name: string, body: string) =>
      fs.writeFileSync(path.join(bin, name), `#!/usr/bin/env bash\necho "${name} $*" >> "${log}"\n${body}\n`, { mode: 0o755 });
    stub("rpm-ostree", `echo '${JSON.stringify({ deployments: [{ booted: true, "container-image-reference": booted }] })}'`);
    stub(
      "skopeo",
      ageDays === "unreachable" ? "echo 'pinging container registry: dial tcp: i/o timeout' >&2; exit 1" : `echo '{"Name":"x","Created":"${created}"}'`,
    );
    stub("notify-send", "exit 0");
    fs.writeFileSync(path.join(dir, "check"), renderStalenessScript());
    const res = spawnSync(requireTool("bash", "bash"), [path.join(dir, "check")], {
      encoding: "utf8",
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
    });
    return { ...res, calls: fs.existsSync(log) ? fs.readFileSync(log, "utf8") : "" };
  }

  it("fresh under 7 days: exit 0, no notification; it checks :stable of the booted repository", () => {
    const res = check(2);
    assert.equal(res.status, 0, res.stderr);
    assert.match(res.stdout, /^fresh: ghcr\.io\/daniel-g-carrasco\/margine:stable is 2 days old/);
    assert.match(res.calls, /^skopeo inspect --no-tags docker:\/\/ghcr\.io\/daniel-g-carrasco\/margine:stable$/m);
    assert.doesNotMatch(res.calls, /notify-send/);
  });

  it("7 days: warning (exit 1) with a normal notification; 14 days: critical (exit 2)", () => {
    const warn = check(8);
    assert.equal(warn.status, 1);
    assert.match(warn.calls, /^notify-send --urgency=normal --app-name=Margine Margine updates are late /m);
    const critical = check(15);
    assert.equal(critical.status, 2);
    assert.match(critical.stdout, /^critical: .* is 15 days old \(critical at 14\)/);
    assert.match(critical.calls, /^notify-send --urgency=critical /m);
  });

  it("an unreachable registry or a non-image deployment is unknown (exit 3), never a verdict", () => {
    const down = check("unreachable");
    assert.equal(down.status, 3);
    assert.match(down.stderr, /unknown: skopeo inspect ghcr\.io\/daniel-g-carrasco\/margine:stable failed/);
    const notImage = check(1, "ostree-unverified-registry:");
    assert.equal(notImage.status, 3);
  });

  it("the service and timer pass systemd-analyze verify; the timer fires every 12 h and is enabled by a drop-in", () => {
    const units = path.join(dir, "units");
    fs.mkdirSync(units);
    fs.writeFileSync(path.join(units, "margine-staleness-check.service"), renderStalenessService());
    fs.writeFileSync(path.join(units, "margine-staleness-check.timer"), renderStalenessTimer());
    const res = spawnSync(
      requireTool("systemd-analyze", "systemd"),
      ["verify", ...["service", "timer"].map((t) => path.join(units, `margine-staleness-check.${t}`))],
      { encoding: "utf8" },
    );
    assert.equal(res.status, 0, res.stderr);
    assert.equal(
      res.stderr
        .split("\n")
        .filter((l) => l.includes("margine-staleness"))
        .join("\n"),
      "",
    );
    const next = spawnSync("systemd-analyze", ["calendar", "--iterations=2", /^OnCalendar=(.*)$/m.exec(renderStalenessTimer())![1]], { encoding: "utf8" });
    assert.equal(next.status, 0, next.stderr);
    assert.match(next.stdout, /Normalized form: \*-\*-\* 00\/12:00:00/);
    assert.match(renderStalenessEnable(), /^\[Unit\]\nWants=margine-staleness-check\.timer$/m);
  });

  it("shellcheck reports nothing on the check", () => {
    const res = spawnSync(requireTool("shellcheck", "shellcheck"), ["--severity=style", "-"], { input: renderStalenessScript(), encoding: "utf8" });
    assert.equal(res.status, 0, res.stdout);
  });

  it("is committed to the image repository under build_files/system_files", () => {
    const paths = FILES.imageRepository.map((f) => f.path);
    for (const p of Object.values(STALENESS_PATHS)) assert.ok(paths.includes(p), p);
    assert.equal(STALENESS_PATHS.enable, "build_files/system_files/usr/lib/systemd/user/timers.target.d/50-margine-staleness-check.conf");
  });
});
