// `npm run watch` against the real parts: images pushed into the real docker-registry and signed
// by the real cosign, ISO files in the IA emulator, the site file and the issues API in the GitHub
// stand-in, ntfy's publish API in its stand-in. Each drift is injected in turn: it opens exactly one
// issue, a second run updates that issue (no duplicate), repairing the drift closes it. An
// unreachable registry is "could not check", never "clean".
import { strict as assert } from "node:assert";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { closedPort } from "../../fixtures/servers/fault-servers";
import { GitHubApiStandIn } from "../../fixtures/servers/github-api";
import { IssuesStandIn } from "../../fixtures/servers/github-issues";
import { SiteRepositoryStandIn } from "../../fixtures/servers/github-site";
import { IaEmulator } from "../../fixtures/servers/ia-emulator";
import { NtfyStandIn } from "../../fixtures/servers/ntfy";
import { LocalRegistry, pushTestImage, startRegistry } from "../../fixtures/servers/registry";
import { RegistryClient } from "../../providers/oci/registry-client";
import { signatureTag } from "../../providers/oci/signature-verification";
import { TagGrammar } from "../../grammar/values";
import { runPeer } from "../support/peers";
import { cliArgs } from "../support/processes";
import { PROJECT_DIR } from "../support/program-run";
import { ReleaseImageBuilder } from "../support/release-images";

const REPO = "daniel-g-carrasco/margine-pipeline";
const SITE = "daniel-g-carrasco/margine-site";
const SITE_FILE = "src/routes/index.tsx";
const ISO_ID = "margine-20261201";
const ISO_DATE = "20261201";
const DAY = 86_400_000;
const siteSource = (date: string) => `export const LATEST_ISO_DATE = "${date}";\n`;

describe("npm run watch: one issue per finding, against the real registry, cosign and the stand-ins", function () {
  this.timeout(240_000);
  let registry: LocalRegistry;
  let github: GitHubApiStandIn;
  let issues: IssuesStandIn;
  let site: SiteRepositoryStandIn;
  let ia: IaEmulator;
  let ntfy: NtfyStandIn;
  let images: ReleaseImageBuilder;
  let client: RegistryClient;
  let digest: string;
  let other: string;
  let work: string;
  let stackFile: string;
  const iso = Buffer.from("an ISO image, small for the test\n".repeat(100));
  const bootedAt = new Date(Date.now() - 2 * DAY);
  const tags = TagGrammar.promotionTags(bootedAt.toISOString().slice(0, 10).replace(/-/g, ""));

  const watch = async (args: string[], env: NodeJS.ProcessEnv = {}) => {
    const res = await runPeer(process.execPath, cliArgs("watch", args), {
      cwd: PROJECT_DIR,
      env: {
        ...process.env,
        IA_URL: ia.url,
        GITHUB_TOKEN: "ghs_watch",
        GITHUB_API_URL: github.url,
        NTFY_SERVER: ntfy.url,
        NTFY_TOPIC: "margine-oncall",
        ...env,
      },
    });
    return { ...res, json: res.code !== 2 && args.includes("json") ? JSON.parse(res.stdout) : undefined };
  };
  const sync = (extra: string[] = []) =>
    watch(["--stack-file", stackFile, "--format", "json", "--issues", REPO, "--run-url", "https://github.com/o/r/actions/runs/1", ...extra]);
  const watchIssues = () => issues.list(REPO).filter((i) => i.labels.includes("release-watch"));
  const openKinds = () =>
    watchIssues()
      .filter((i) => i.state === "open")
      .map((i) => /kind=([a-z-]+)/.exec(i.body)![1]);
  const setTag = async (tag: string, to: string) => {
    const m = await client.getManifest("margine", to);
    await client.putManifest("margine", tag, { bytes: m.bytes, mediaType: m.mediaType });
  };

  before(async () => {
    registry = await startRegistry();
    client = new RegistryClient({ registry: registry.host, insecure: true });
    github = await new GitHubApiStandIn().start();
    issues = new IssuesStandIn(() => github.url);
    github.routes.push(issues.route);
    site = new SiteRepositoryStandIn(github, SITE);
    site.seed({ [SITE_FILE]: siteSource(ISO_DATE) });
    ia = await new IaEmulator().start();
    await ia.seedFile(ISO_ID, "ia-owner", `${ISO_ID}.iso`, iso);
    ntfy = await new NtfyStandIn().start();
    images = new ReleaseImageBuilder(registry.host);
    await images.importKeys();
    digest = await images.push({ seed: "stable", created: new Date(Date.now() - 3 * DAY).toISOString() });
    other = await images.push({ seed: "other", created: new Date(Date.now() - DAY).toISOString() });
    for (const tag of tags) await setTag(tag, digest);
    work = fs.mkdtempSync(path.join(os.tmpdir(), "margine-watch-"));
    stackFile = path.join(work, "Pulumi.release.yaml");
    fs.writeFileSync(
      stackFile,
      stringify({
        config: {
          "margine-pipeline:stackRole": "release",
          "margine-pipeline:image": images.image,
          "margine-pipeline:siteRepository": SITE,
          "margine-pipeline:siteApiUrl": github.url,
          "margine-pipeline:insecureRegistry": true,
          "margine-pipeline:cosignPublicKey": fs.readFileSync(images.publicKeyFile("cosign"), "utf8"),
          "margine-pipeline:release": {
            stable: { digest, evidence: { bootRun: "https://github.com/o/image/actions/runs/7", bootedAt: bootedAt.toISOString() }, rollback: false },
            isos: [
              {
                date: ISO_DATE,
                identifier: ISO_ID,
                files: [
                  {
                    name: `${ISO_ID}.iso`,
                    sha256: createHash("sha256").update(iso).digest("hex"),
                    md5: createHash("md5").update(iso).digest("hex"),
                    size: iso.length,
                  },
                ],
              },
            ],
          },
        },
      }),
    );
  });

  after(async () => {
    await Promise.all([registry?.stop(), github?.stop(), ia?.stop(), ntfy?.stop()]);
    images?.dispose();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it("a world as declared is clean: exit 0, every kind checked, no issue", async () => {
    const res = await watch(["--stack-file", stackFile]);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    for (const kind of ["tags", "signature", "staleness", "ia-files", "site-date", "could-not-check"])
      assert.match(res.stdout, new RegExp(`^clean +${kind}: `, "m"));
    const synced = await sync();
    assert.equal(synced.code, 0, synced.stderr);
    assert.deepEqual(watchIssues(), []);
    assert.match(synced.stderr, /issues: no issue to open, update or close/);
  });

  const drifts: { name: string; kind: string; inject: () => Promise<void>; repair: () => Promise<void>; evidence: RegExp }[] = [
    {
      name: ":stable moved by hand",
      kind: "tags",
      inject: () => setTag("stable", other),
      repair: () => setTag("stable", digest),
      evidence: /:stable is at sha256:[0-9a-f]{64}, declared sha256:/,
    },
    {
      name: "a dated tag deleted",
      kind: "tags",
      // docker-registry deletes manifests, not tags: point the tag at a throwaway image, delete that.
      inject: async () => {
        const { digest: throwaway } = await pushTestImage(registry.host, "margine", "throwaway", { seed: "throwaway" });
        await setTag(tags[1], throwaway);
        await client.deleteManifest("margine", throwaway);
      },
      repair: () => setTag(tags[1], digest),
      evidence: new RegExp(`:${tags[1]} is missing`),
    },
    {
      name: "the signature removed",
      kind: "signature",
      inject: async () => {
        const sig = await client.headManifest("margine", signatureTag(digest));
        await client.deleteManifest("margine", sig!.digest);
      },
      repair: () =>
        images.cosignRun([
          "sign",
          "--key",
          "cosign.key",
          "--allow-insecure-registry",
          "--allow-http-registry",
          "--tlog-upload=false",
          "--yes",
          `${images.image}@${digest}`,
        ]),
      evidence: /no signature: .*\.sig does not exist/,
    },
    {
      name: "an IA file gone",
      kind: "ia-files",
      inject: async () => {
        ia.item(ISO_ID)!.files.delete(`${ISO_ID}.iso`);
      },
      repair: () => ia.seedFile(ISO_ID, "ia-owner", `${ISO_ID}.iso`, iso),
      evidence: new RegExp(`${ISO_ID}/${ISO_ID}\\.iso: missing`),
    },
    {
      name: "the site date behind",
      kind: "site-date",
      inject: async () => site.seed({ [SITE_FILE]: siteSource("20261101") }),
      repair: async () => site.seed({ [SITE_FILE]: siteSource(ISO_DATE) }),
      evidence: /LATEST_ISO_DATE is 20261101, the newest declared ISO release is 20261201/,
    },
  ];

  for (const drift of drifts) {
    it(`${drift.name}: opens one ${drift.kind} issue, a rerun updates it, the repair closes it`, async () => {
      const before = watchIssues().length;
      ntfy.messages.length = 0;
      await drift.inject();
      const first = await sync();
      assert.equal(first.code, 1, first.stderr);
      const found = first.json.results.find((r: { kind: string }) => r.kind === drift.kind);
      assert.equal(found.status, "drift");
      assert.match(found.details.join("\n"), drift.evidence);
      assert.deepEqual(openKinds(), [drift.kind], "exactly one issue, of this kind");
      assert.equal(watchIssues().length, before + 1);
      const issue = watchIssues().find((i) => i.state === "open")!;
      assert.match(issue.body, drift.evidence);
      assert.equal(ntfy.messages.length, 1);
      assert.equal(ntfy.messages[0].topic, "margine-oncall");
      assert.equal(ntfy.messages[0].click, `https://github.com/${REPO}/issues/${issue.number}`);

      const second = await sync();
      assert.equal(second.code, 1, second.stderr);
      assert.equal(watchIssues().length, before + 1, "the rerun updated the issue instead of opening another");
      assert.match(second.stderr, new RegExp(`issues: updated #${issue.number} \\(${drift.kind}\\)$`, "m"));
      assert.equal(github.issueComments.get(`${REPO}#${issue.number}`)?.length ?? 0, 0, "same evidence: the issue is edited, not commented");
      assert.equal(ntfy.messages.length, 1, "no push for an update");

      await drift.repair();
      const third = await sync();
      assert.equal(third.code, 0, third.stdout + third.stderr);
      assert.equal(issue.state, "closed");
      assert.equal(issue.stateReason, "completed");
      assert.match(github.issueComments.get(`${REPO}#${issue.number}`)!.at(-1)!.body, /^Cleared \(/);
      assert.deepEqual(openKinds(), []);
      assert.equal(ntfy.messages.length, 2);
      assert.deepEqual(ntfy.messages[1].tags, ["white_check_mark", "margine"]);
    });
  }

  it("the evidence changes while the drift lasts: the issue is commented on once, then only edited", async () => {
    await setTag("stable", other);
    try {
      await sync();
      await setTag(tags[2], other);
      const changed = await sync();
      assert.equal(changed.code, 1);
      const issue = watchIssues().find((i) => i.state === "open")!;
      assert.match(changed.stderr, new RegExp(`updated #${issue.number} \\(tags\\), the finding changed: commented`));
      assert.match(github.issueComments.get(`${REPO}#${issue.number}`)![0].body, /^The finding changed .*2 of 3 tags/);
      await sync();
      assert.equal(github.issueComments.get(`${REPO}#${issue.number}`)!.length, 1);
    } finally {
      await setTag("stable", digest);
      await setTag(tags[2], digest);
      assert.equal((await sync()).code, 0);
    }
  });

  it("an unreachable registry is could-not-check (exit 3), never clean, and leaves the other kinds' issues alone", async () => {
    await setTag("stable", other);
    await sync();
    const tagsIssue = watchIssues().find((i) => i.state === "open")!;
    const port = await closedPort();
    const moved = stackFile.replace(/\.yaml$/, ".unreachable.yaml");
    fs.writeFileSync(moved, fs.readFileSync(stackFile, "utf8").replace(registry.host, `127.0.0.1:${port}`));
    try {
      const res = await watch(["--stack-file", moved, "--format", "json", "--issues", REPO, "--connect-timeout", "2"]);
      assert.equal(res.code, 3, res.stderr);
      for (const kind of ["tags", "signature", "staleness"]) {
        const r = res.json.results.find((x: { kind: string }) => x.kind === kind);
        assert.equal(r.status, "unknown", kind);
        assert.equal(r.endpoint, `http://127.0.0.1:${port}`);
      }
      assert.equal(tagsIssue.state, "open", "not knowing is not clean: the tags issue stays open");
      assert.ok(openKinds().includes("could-not-check"), "the watch being blind is an issue of its own");
    } finally {
      await setTag("stable", digest);
      const clean = await sync();
      assert.equal(clean.code, 0, clean.stderr);
      assert.deepEqual(openKinds(), []);
    }
  });

  it(":stable past 7 days is a warning, past 14 critical (from the image's created time)", async () => {
    const old = await images.push({ seed: "old", created: new Date(Date.now() - 15 * DAY).toISOString() });
    const oldStack = stackFile.replace(/\.yaml$/, ".old.yaml");
    fs.writeFileSync(oldStack, fs.readFileSync(stackFile, "utf8").replace(digest, old));
    for (const tag of tags) await setTag(tag, old);
    try {
      const res = await watch(["--stack-file", oldStack, "--format", "json"]);
      assert.equal(res.code, 1, res.stderr);
      const stale = res.json.results.find((r: { kind: string }) => r.kind === "staleness");
      assert.equal(stale.severity, "critical");
      assert.match(stale.summary, /^:stable is 15\.\d days old \(critical at 14 days\)$/);
    } finally {
      for (const tag of tags) await setTag(tag, digest);
    }
  });

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

  it("labels dropped by GitHub (a token without push access): the marker still finds the issue, no duplicate", async () => {
    issues.dropLabels = true;
    const all = () => issues.list(REPO).filter((i) => i.state === "open" && /kind=tags /.test(i.body));
    await setTag("stable", other);
    try {
      await sync();
      await sync();
      assert.equal(all().length, 1);
      assert.deepEqual(all()[0].labels, []);
    } finally {
      issues.dropLabels = false;
      await setTag("stable", digest);
      assert.equal((await sync()).code, 0);
      assert.equal(all().length, 0);
    }
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
