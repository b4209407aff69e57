// `npm run watch`'s inputs, against the same real parts as watch.test.ts: the report job's
// --findings FILE (an earlier run's JSON, synced to the issues), bad input refused with one line
// before any request, and an ntfy topic with access control (NTFY_TOKEN carried, never printed; a
// refused push is a warning, not a lost issue).
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { GitHubApiStandIn } from "../../fixtures/servers/github-api";
import { NtfyStandIn } from "../../fixtures/servers/ntfy";
import { REPO, WatchWorld } from "../support/watch-world";

describe("npm run watch: one issue per finding, against the real registry, cosign and the stand-ins", function () {
  this.timeout(240_000);
  const world = new WatchWorld();
  const { watch, sync, openKinds, setTag } = world;
  let github: GitHubApiStandIn;
  let ntfy: NtfyStandIn;
  let digest: string;
  let other: string;
  let work: string;
  let stackFile: string;

  before(async () => {
    await world.start();
    ({ github, ntfy, digest, other, work, stackFile } = world);
  });
  after(() => world.stop());

  it("the report job's half: --findings FILE syncs an earlier run's JSON, and refuses a torn one before any request", async () => {
    const report = await watch(["--stack-file", stackFile, "--format", "json"]);
    const file = path.join(work, "findings.json");
    fs.writeFileSync(file, report.stdout);
    const requests = github.requests.length;
    const ok = await watch(["--findings", file, "--issues", REPO]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.ok(github.requests.length > requests);
    fs.writeFileSync(file, report.stdout.slice(0, 100));
    const torn = await watch(["--findings", file, "--issues", REPO]);
    assert.equal(torn.code, 2);
    assert.match(torn.stderr, /^error: .*findings\.json: is not JSON; expected the JSON that npm run watch -- --format json prints\n$/);
  });

  it("bad input exits 2 with one line, before any request", async () => {
    const requests = github.requests.length;
    const cases: [string[], NodeJS.ProcessEnv, RegExp][] = [
      [[], {}, /^error: missing --stack NAME/],
      [["--stack-file", stackFile, "--format", "yaml"], {}, /^error: --format yaml: expected text or json\n$/],
      [["--stack-file", stackFile, "--issues", "not a repo"], {}, /^error: --issues not a repo: expected OWNER\/NAME/],
      [["--stack-file", stackFile, "--issues", REPO], { GITHUB_TOKEN: "" }, /^error: --issues needs GITHUB_TOKEN/],
      [["--stack-file", stackFile, "--issues", REPO], { NTFY_TOPIC: "bad topic!" }, /^error: NTFY_TOPIC "bad topic!": expected a topic name/],
      [["--stack-file", path.join(work, "missing.yaml")], {}, /^error: --stack-file .*missing\.yaml/],
    ];
    for (const [args, env, message] of cases) {
      const res = await watch(args, env);
      assert.equal(res.code, 2, `${args.join(" ")}: ${res.stderr}`);
      assert.match(res.stderr, message);
      assert.equal(
        res.stderr
          .trim()
          .split("\n")
          .filter((l) => !l.startsWith("usage: ")).length,
        1,
        res.stderr,
      );
    }
    assert.equal(github.requests.length, requests);
  });

  it("a topic with access control: the push carries NTFY_TOKEN; a refused push is a warning, the issue is still opened", async () => {
    ntfy.requiredToken = "tk_SENTINEL_ntfy";
    ntfy.messages.length = 0;
    await setTag("stable", other);
    try {
      const refused = await sync();
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /warning: ntfy push failed: .*HTTP 401 \(the topic needs NTFY_TOKEN/);
      assert.deepEqual(openKinds(), ["tags"]);
      await setTag("stable", digest);
      const closed = await watch(["--stack-file", stackFile, "--format", "json", "--issues", REPO], { NTFY_TOKEN: "tk_SENTINEL_ntfy" });
      assert.equal(closed.code, 0, closed.stderr);
      assert.equal(ntfy.messages.length, 1);
      assert.equal(ntfy.messages[0].authorization, "Bearer tk_SENTINEL_ntfy");
      assert.doesNotMatch(closed.stdout + closed.stderr, /SENTINEL/);
    } finally {
      ntfy.requiredToken = undefined;
      await setTag("stable", digest);
    }
  });
});
