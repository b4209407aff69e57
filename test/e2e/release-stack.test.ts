// The release path under the real Pulumi engine, as release.yml runs it: the release stack on a
// local file backend, against the real docker-registry (checked with skopeo), the IA emulator and
// the GitHub API stand-in. The preview and up commands are the `run:` scripts of the generated
// release.yml with the environment the workflow gives them, so a wrong flag there fails here.
//
// The `it`s below are one release history, in order (first release, a release PR, a rollback, a
// hand-made change): each step starts from the state the previous one left, as in production. The
// world they start from (the images, the stand-ins, the first release PR) is release-stack-world.ts.
import { strict as assert } from "node:assert";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { watchWorkflow } from "../../components/workflows/watch";
import { GitHubApiStandIn } from "../../fixtures/servers/github-api";
import { IssuesStandIn } from "../../fixtures/servers/github-issues";
import { SiteRepositoryStandIn } from "../../fixtures/servers/github-site";
import { IaEmulator } from "../../fixtures/servers/ia-emulator";
import { runTool } from "../../fixtures/system-tool";
import { EngineWorkspace, WorkflowCommand, workflowCommand } from "../support/engine";
import { BOOT_RUN, ReleaseStackWorld, SITE_PATH } from "../support/release-stack-world";

describe("the release stack under the real Pulumi engine (release.yml's commands)", function () {
  this.timeout(600_000);
  const world = new ReleaseStackWorld();
  const { digests, tagDigest, releaseState, runStep } = world;
  let ws: EngineWorkspace;
  let ia: IaEmulator;
  let api: GitHubApiStandIn;
  let site: SiteRepositoryStandIn;
  let skopeo: string;
  let image: string;
  let stackFile: string;
  let preview: WorkflowCommand;
  let up: WorkflowCommand;
  let machineEnv: Record<string, string>;

  before(async () => {
    await world.start();
    ({ ws, ia, api, site, skopeo, image, stackFile, preview, up, machineEnv } = world);
  });
  after(() => world.stop());

  it("a fresh stack: preview lists the Promotion, the IaItem and the SiteRelease, with the policy pack, and changes nothing", async () => {
    const res = await runStep(preview);
    assert.equal(res.code, 0, res.output);
    for (const type of ["margine:Promotion", "margine:IaItem", "margine:SiteRelease"])
      assert.match(res.output, new RegExp(`\\+\\s+pulumi-nodejs:dynamic/${type}`), type);
    assert.match(res.output, /Policy Packs run:\s*\n\s*Name\s+Version\s*\n\s*margine\|local\|policy\s/, "the policy pack ran");
    assert.equal(tagDigest("stable"), null, "preview moved nothing");
    assert.equal(site.pulls.length, 0);
  });

  it("up moves the stable tags (checked with skopeo), completes the IA item and opens the site PR", async () => {
    const res = await runStep(up);
    assert.equal(res.code, 0, res.output);
    for (const tag of ["stable", "stable.20261120", "20261120"]) assert.equal(tagDigest(tag), digests.a, tag);
    assert.ok(ia.item("margine-20261120")!.files.has("SHA256SUMS"), "the generated SHA256SUMS was uploaded with the keys from the environment");
    assert.equal(site.pulls.length, 1);
    assert.match(site.file(`release/latest-iso-date-20261120`, SITE_PATH) ?? "", /LATEST_ISO_DATE = "20261120"/);
  });

  it("a release PR (the real release-state CLI): preview --diff shows stable moving from the old digest to the new one, and nothing else", async () => {
    const edit = releaseState(["stable", "--digest", digests.b, "--boot-run", `${BOOT_RUN}2`, "--booted-at", "2026-11-21T09:00:00Z"]);
    assert.equal(edit.code, 0, edit.stderr);
    const res = await runStep(preview);
    assert.equal(res.code, 0, res.output);
    assert.match(res.output, new RegExp(`~ stable\\s*: "${digests.a}" => "${digests.b}"`));
    assert.match(res.output, /~ pulumi-nodejs:dynamic\/margine:Promotion: \(update\)/);
    assert.match(res.output, /Resources:\n\s+~ 1 to update\n\s+4 unchanged\n/, "only the Promotion changes");
    assert.equal(tagDigest("stable"), digests.a, "preview moved nothing");
    const applied = await runStep(up);
    assert.equal(applied.code, 0, applied.output);
    assert.equal(tagDigest("stable"), digests.b);
    assert.equal(tagDigest("stable.20261121"), digests.b);
    assert.equal(tagDigest("stable.20261120"), digests.a, "the dated alias of the old release stays");
  });

  it("previews take no stack lock: two release PRs previewed at once both succeed, even while up holds the lock", async () => {
    // What `pulumi up` leaves in a DIY backend while it runs (pkg/backend/diy/lock.go): one JSON
    // file per holder under .pulumi/locks/<the stack's fully qualified name>/. Written here as up
    // writes it, and proven to be honoured: an up started meanwhile is refused.
    const lockDir = path.join(ws.backend, ".pulumi", "locks", "organization", "margine-pipeline", preview.env.STACK);
    fs.mkdirSync(lockDir, { recursive: true });
    const lock = path.join(lockDir, `${crypto.randomUUID()}.json`);
    fs.writeFileSync(lock, JSON.stringify({ pid: 4242, username: "runner", hostname: "fv-az-up", timestamp: new Date().toISOString() }));
    try {
      const blocked = await runStep(up);
      assert.notEqual(blocked.code, 0, "up must wait for the lock's holder");
      assert.match(blocked.output, /the stack is currently locked by 1 lock\(s\)/);
      const runs = await Promise.all(
        ["pr-1", "pr-2"].map((pr) => {
          const runnerTemp = fs.mkdtempSync(path.join(os.tmpdir(), `runner-temp-${pr}-`));
          return ws.run(preview.script, { ...preview.env, ...machineEnv, RUNNER_TEMP: runnerTemp }).then((res) => ({ res, runnerTemp }));
        }),
      );
      for (const { res, runnerTemp } of runs) {
        assert.equal(res.code, 0, res.output);
        assert.match(fs.readFileSync(path.join(runnerTemp, "preview.txt"), "utf8"), /Resources:\n\s+5 unchanged\n/);
      }
    } finally {
      fs.rmSync(lock);
    }
  });

  it("a rollback without rollback: true fails in preview with the provider's message; with it, up applies", async () => {
    // A hand edit, as a maintainer makes it: the same lines, the values of the earlier release.
    const current = fs.readFileSync(stackFile, "utf8");
    const back = current.replace(digests.b, digests.a).replace(`${BOOT_RUN}2`, `${BOOT_RUN}1`).replace("2026-11-21T09:00:00Z", "2026-11-20T09:00:00Z");
    assert.notEqual(back, current);
    assert.equal(parse(back).config["margine-pipeline:release"].stable.rollback, false);
    fs.writeFileSync(stackFile, back);
    const refused = await runStep(preview);
    assert.notEqual(refused.code, 0);
    assert.match(refused.output, /moving stable back is a rollback; set rollback: true/);
    fs.writeFileSync(stackFile, back.replace("rollback: false", "rollback: true"));
    const res = await runStep(up);
    assert.equal(res.code, 0, res.output);
    assert.equal(tagDigest("stable"), digests.a);
  });

  it("the watch (watch.yml's own steps): as released, tags and preview are clean; :stable moved by hand opens one issue each, the repair closes them", async () => {
    const repo = "daniel-g-carrasco/margine-pipeline";
    const issues = new IssuesStandIn(() => api.url);
    api.routes.push(issues.route);
    const values: Record<string, string> = {
      "vars.PULUMI_BACKEND_URL": `file://${ws.backend}`,
      "github.server_url": "https://github.com",
      "github.repository": repo,
      "github.run_id": "77",
      "github.token": "ghs_watch",
      "vars.NTFY_SERVER": "",
      "vars.NTFY_TOPIC": "",
      "secrets.NTFY_TOKEN": "",
    };
    const check = workflowCommand(watchWorkflow(), "check", "Check the world against the release stack", values);
    const report = workflowCommand(watchWorkflow(), "issues", "Open, update and close the watch's issues", values);
    // What the runner adds (GITHUB_REPOSITORY, GITHUB_API_URL) and what download-artifact leaves.
    const runner = { ...machineEnv, GITHUB_REPOSITORY: repo, GITHUB_API_URL: api.url };
    const watchRun = async () => {
      const checked = await ws.run(check.script, { ...check.env, ...runner });
      assert.equal(checked.code, 0, checked.output);
      const json = fs.readFileSync(path.join(machineEnv.RUNNER_TEMP, "watch.json"), "utf8");
      fs.mkdirSync(path.join(ws.dir, "watch-report"), { recursive: true });
      fs.writeFileSync(path.join(ws.dir, "watch-report", "watch.json"), json);
      const reported = await ws.run(report.script, { ...report.env, ...runner });
      const results = new Map<string, string>((JSON.parse(json).results as { kind: string; status: string }[]).map((r) => [r.kind, r.status]));
      return { reported, results };
    };
    const openKinds = (kind: string) => issues.list(repo).filter((i) => i.state === "open" && i.body.includes(`kind=${kind} `)).length;

    const released = await watchRun();
    assert.equal(released.results.get("tags"), "clean", released.reported.output);
    assert.equal(released.results.get("stack-drift"), "clean", released.reported.output);
    assert.equal(released.results.get("signature"), "clean");

    const declared = tagDigest("stable")!;
    runTool(skopeo, ["copy", "--src-tls-verify=false", "--dest-tls-verify=false", `docker://${image}@${digests.c}`, `docker://${image}:stable`]);
    try {
      for (const round of [1, 2]) {
        const moved = await watchRun();
        assert.equal(moved.reported.code, 1, `round ${round}: a drift run is red: ${moved.reported.output}`);
        assert.equal(moved.results.get("tags"), "drift");
        assert.equal(moved.results.get("stack-drift"), "drift", "pulumi preview --refresh --expect-no-changes sees :stable moved");
        assert.equal(openKinds("tags"), 1, `round ${round}: one tags issue`);
        assert.equal(openKinds("stack-drift"), 1, `round ${round}: one stack-drift issue`);
      }
    } finally {
      runTool(skopeo, ["copy", "--src-tls-verify=false", "--dest-tls-verify=false", `docker://${image}@${declared}`, `docker://${image}:stable`]);
    }
    const repaired = await watchRun();
    assert.equal(repaired.results.get("tags"), "clean");
    assert.equal(repaired.results.get("stack-drift"), "clean");
    assert.equal(openKinds("tags") + openKinds("stack-drift"), 0, repaired.reported.output);
    assert.ok(issues.list(repo).every((i) => !i.body.includes("kind=tags ") || i.state === "closed"));
  });

  it(":stable moved by hand: up refuses to move anything (conflict), and refresh shows the drift", async () => {
    runTool(skopeo, ["copy", "--src-tls-verify=false", "--dest-tls-verify=false", `docker://${image}@${digests.c}`, `docker://${image}:stable`]);
    const edit = releaseState(["stable", "--digest", digests.b, "--boot-run", `${BOOT_RUN}3`, "--booted-at", "2026-11-22T09:00:00Z"]);
    assert.equal(edit.code, 0, edit.stderr);
    const res = await runStep(up);
    assert.notEqual(res.code, 0, res.output);
    assert.match(res.output, /stable/);
    assert.match(res.output, /conflict|moved by hand|not where/i);
    assert.equal(tagDigest("stable"), digests.c, "nothing moved");
    assert.equal(tagDigest("stable.20261122"), null, "no dated tag either");
    const refresh = await ws.pulumi(["refresh", "--yes", "--non-interactive", "--diff", "--stack", up.env.STACK], {
      PULUMI_CONFIG_PASSPHRASE: "",
      ...machineEnv,
    });
    assert.equal(refresh.code, 0, refresh.output);
    assert.match(refresh.output, new RegExp(`~ stable\\s*: "${digests.a}" => "${digests.c}"`));
  });

  it("destroy leaves every registry tag and IA item in place, and says so", async () => {
    const before = { stable: tagDigest("stable"), dated: tagDigest("20261120"), files: [...ia.item("margine-20261120")!.files.keys()].sort() };
    // The IaItem is protected: a destroy must unprotect it first, deliberately.
    const unprotect = await ws.pulumi(["state", "unprotect", "--all", "--yes", "--stack", up.env.STACK], { PULUMI_CONFIG_PASSPHRASE: "", ...machineEnv });
    assert.equal(unprotect.code, 0, unprotect.output);
    const res = await ws.pulumi(["destroy", "--yes", "--non-interactive", "--stack", up.env.STACK], { PULUMI_CONFIG_PASSPHRASE: "", ...machineEnv });
    assert.equal(res.code, 0, res.output);
    assert.match(res.output, /registry tags were left untouched/);
    assert.deepEqual({ stable: tagDigest("stable"), dated: tagDigest("20261120"), files: [...ia.item("margine-20261120")!.files.keys()].sort() }, before);
  });

  it("the state holds no credential in plaintext, and no serialized provider captured one", async () => {
    const res = await ws.pulumi(["stack", "export", "--stack", up.env.STACK], { PULUMI_CONFIG_PASSPHRASE: "" });
    assert.equal(res.code, 0, res.output);
    assert.doesNotMatch(res.stdout, /SENTINEL/);
    const history = fs
      .readdirSync(ws.backend, { recursive: true })
      .map(String)
      .filter((f) => f.endsWith(".json"));
    assert.ok(history.length > 0);
    for (const f of history) assert.doesNotMatch(fs.readFileSync(path.join(ws.backend, f), "utf8"), /SENTINEL/, f);
  });
});
