// `npm run watch` against the real parts: images pushed into the real docker-registry and signed
// by the real cosign, ISO files in the IA emulator, the site file and the issues API in the GitHub
// stand-in, ntfy's publish API in its stand-in. Each drift is injected in turn: it opens exactly one
// issue, a second run updates that issue (no duplicate), repairing the drift closes it. An
// unreachable registry is "could not check", never "clean".
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import { closedPort } from "../../fixtures/servers/fault-servers";
import { GitHubApiStandIn } from "../../fixtures/servers/github-api";
import { IssuesStandIn } from "../../fixtures/servers/github-issues";
import { SiteRepositoryStandIn } from "../../fixtures/servers/github-site";
import { IaEmulator } from "../../fixtures/servers/ia-emulator";
import { NtfyStandIn } from "../../fixtures/servers/ntfy";
import { LocalRegistry, pushTestImage } from "../../fixtures/servers/registry";
import { RegistryClient } from "../../providers/oci/registry-client";
import { signatureTag } from "../../providers/oci/signature-verification";
import { ReleaseImageBuilder } from "../support/release-images";
import { DAY, ISO_DATE, ISO_ID, REPO, SITE_FILE, siteSource, WatchWorld } from "../support/watch-world";

describe("npm run watch: one issue per finding, against the real registry, cosign and the stand-ins", function () {
  this.timeout(240_000);
  const world = new WatchWorld();
  const { iso, tags, watch, sync, watchIssues, openKinds, setTag } = world;
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
  let stackFile: string;

  before(async () => {
    await world.start();
    ({ registry, github, issues, site, ia, ntfy, images, client, digest, other, stackFile } = world);
  });
  after(() => world.stop());

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
});
