import { strict as assert } from "node:assert";
import { SiteReleaseInputs, SiteReleaseProvider } from "../../../providers/site/site-release";
import { bumpBranch } from "../../../providers/site/site-bump-client";
import { HostError, ProviderHost, serializeProvider } from "../../support/provider-host";
import { GitHubApiStandIn } from "../../../fixtures/servers/github-api";
import { SiteRepositoryStandIn } from "../../../fixtures/servers/github-site";

const PATH = "src/routes/index.tsx";
const SITE_SOURCE = [
  "// The download page: every release URL derives from this one date.",
  'export const LATEST_ISO_DATE = "20261106";',
  "const LATEST_ISO_TORRENT = `https://archive.org/download/margine-${LATEST_ISO_DATE}/margine-${LATEST_ISO_DATE}_archive.torrent`;",
  "export default function Hero() { return <a href={LATEST_ISO_TORRENT}>Download</a>; }",
  "",
].join("\n");

describe("SiteRelease through the real dynamic-provider host", function () {
  this.timeout(60_000);
  const TOKEN = "github_pat_SENTINEL_site_bump_0123456789";
  let api: GitHubApiStandIn;
  let site: SiteRepositoryStandIn;
  let host: ProviderHost;
  let provider: string;
  let inputs: SiteReleaseInputs;

  before(async () => {
    api = await new GitHubApiStandIn().start();
    api.requiredToken = TOKEN;
    site = new SiteRepositoryStandIn(api, "daniel-g-carrasco/margine-os-1084ca72");
    host = await ProviderHost.start({ env: { SITE_BUMP_TOKEN: TOKEN } });
    provider = await serializeProvider(new SiteReleaseProvider());
    inputs = { repository: "daniel-g-carrasco/margine-os-1084ca72", path: PATH, latestIsoDate: "20261120", apiUrl: api.url };
  });
  after(async () => {
    await host.stop();
    await api.stop();
  });
  beforeEach(() => {
    site.seed({ [PATH]: SITE_SOURCE, "README.md": "site\n" });
    api.requests.length = 0;
  });

  const writes = () => api.requests.filter((r) => r.method !== "GET");

  it("serializes without the token and stays small", () => {
    assert.ok(!provider.includes(TOKEN));
    assert.ok(provider.length < 200_000, `__provider is ${provider.length} bytes`);
  });

  it("check names each malformed input", async () => {
    const { failures } = await host.check(provider, {}, { ...inputs, repository: "margine-site", latestIsoDate: "20261131" });
    assert.deepEqual(failures.map((f) => f.property).sort(), ["latestIsoDate", "repository"]);
    assert.match(failures.find((f) => f.property === "latestIsoDate")!.reason, /"20261131".*YYYYMMDD/);
  });

  it("create opens a PR from the date branch that changes only the constant, with squash auto-merge", async () => {
    const { id, outs } = await host.create(provider, inputs);
    assert.equal(id, `daniel-g-carrasco/margine-os-1084ca72/${PATH}`);
    assert.equal(outs.status, "pull-request");
    assert.equal(outs.currentDate, "20261106");
    assert.equal(outs.autoMerge, "enabled");
    assert.equal(outs.pullRequestUrl, "https://github.com/daniel-g-carrasco/margine-os-1084ca72/pull/1");
    const [pr] = site.pulls;
    assert.equal(pr.head, bumpBranch("20261120"));
    assert.equal(pr.base, "main");
    assert.equal(pr.title, "chore(release): bump LATEST_ISO_DATE to 20261120");
    assert.ok(pr.autoMerge);
    assert.equal(site.file(pr.head, PATH), SITE_SOURCE.replace('"20261106"', '"20261120"'));
    assert.equal(site.file("main", PATH), SITE_SOURCE, "main changes only through the PR");
    assert.equal(site.file(pr.head, "README.md"), "site\n");
    assert.ok(api.requests.every((r) => r.authorization === `token ${TOKEN}`));
  });

  it("guard 1: skips when main already declares the date, writing nothing", async () => {
    const { outs } = await host.create(provider, { ...inputs, latestIsoDate: "20261106" });
    assert.equal(outs.status, "current");
    assert.equal(outs.pullRequestUrl, null);
    assert.deepEqual(writes(), []);
    assert.equal(site.pulls.length, 0);
  });

  it("guard 2: reuses the open PR of the same date branch instead of opening another", async () => {
    const first = await host.create(provider, inputs);
    api.requests.length = 0;
    const again = await host.update(provider, first.id, first.outs, inputs);
    assert.equal(again.status, "pull-request");
    assert.equal(again.pullRequestUrl, first.outs.pullRequestUrl);
    assert.deepEqual(writes(), []);
    assert.equal(site.pulls.length, 1);
  });

  it("restarts a date branch left behind by a closed PR", async () => {
    await host.create(provider, inputs);
    site.pulls[0].state = "closed";
    const { outs } = await host.create(provider, inputs);
    assert.equal(outs.status, "pull-request");
    assert.equal(site.pulls.length, 2);
    assert.ok(writes().some((r) => r.method === "PATCH" && r.path.includes("git/refs/heads")));
  });

  it("degrades to a warning on stderr when the repository does not allow auto-merge", async () => {
    site.autoMerge = "not-allowed";
    const before = host.stderr.length;
    const { outs } = await host.create(provider, inputs);
    assert.equal(outs.status, "pull-request");
    assert.equal(outs.autoMerge, "unavailable");
    await host.waitForStderr(
      /warning: SiteRelease: auto-merge could not be enabled on https:\/\/github\.com\/.*\/pull\/1 \(.*Auto merge is not allowed.*\); squash-merge it by hand/,
      { since: before },
    );
  });

  it("squash-merges at once a PR GitHub reports as already clean, as gh pr merge --auto does", async () => {
    site.autoMerge = "clean-status";
    const { outs } = await host.create(provider, inputs);
    assert.equal(outs.status, "current");
    assert.equal(outs.autoMerge, "merged");
    assert.equal(site.file("main", PATH), SITE_SOURCE.replace('"20261106"', '"20261120"'));
    assert.ok(!site.branches.has(bumpBranch("20261120")), "--delete-branch");
  });

  it("read parses the constant on main: drift shows in refresh and diff", async () => {
    const { id, outs } = await host.create(provider, inputs);
    assert.equal((await host.diff(provider, id, outs, inputs)).changes, "none");
    site.pulls[0].state = "closed"; // closed without merging: main still says 20261106
    const { props } = await host.read(provider, id, outs);
    assert.equal(props.status, "drifted");
    assert.equal(props.currentDate, "20261106");
    assert.equal((await host.diff(provider, id, props, inputs)).changes, "some");
    site.seed({ [PATH]: SITE_SOURCE.replace('"20261106"', '"20261120"') });
    const merged = await host.read(provider, id, outs);
    assert.equal(merged.props.status, "current");
  });

  it("diff shows a new date as an in-place update", async () => {
    const { id, outs } = await host.create(provider, { ...inputs, latestIsoDate: "20261106" });
    const diff = await host.diff(provider, id, outs, inputs);
    assert.equal(diff.changes, "some");
    assert.deepEqual(diff.replaces, []);
  });

  it("fails with the file and the fix when the constant is missing", async () => {
    site.seed({ [PATH]: "export const OTHER = 1;\n" });
    await assert.rejects(host.create(provider, inputs), (err: HostError) => {
      assert.match(err.message, /margine-os-1084ca72:src\/routes\/index\.tsx@main: expected exactly one `LATEST_ISO_DATE = "YYYYMMDD"`, found 0/);
      return true;
    });
  });

  it("a token without access fails naming the permission to grant", async () => {
    const other = await ProviderHost.start({ env: { SITE_BUMP_TOKEN: "wrong" } });
    try {
      await assert.rejects(other.create(provider, inputs), /HTTP 401.*Contents and Pull requests write/);
    } finally {
      await other.stop();
    }
  });

  it("takes the token from SITE_BUMP_TOKEN only, never from the stack config (the release stack holds no secret)", async () => {
    const configHost = await ProviderHost.start({ config: { "margine-pipeline:siteBumpToken": TOKEN }, env: { SITE_BUMP_TOKEN: "" } });
    try {
      const before = api.requests.length;
      const { outs } = await configHost.create(provider, inputs);
      assert.equal(outs.status, "skipped");
      assert.equal(api.requests.length, before, "no request made with a token from the config");
    } finally {
      await configHost.stop();
    }
  });

  describe("with no token", () => {
    let bare: ProviderHost;
    before(async () => {
      bare = await ProviderHost.start({ env: { SITE_BUMP_TOKEN: "" } });
    });
    after(async () => {
      await bare.stop();
    });

    it("does nothing and warns instead of failing the release", async () => {
      const { outs } = await bare.create(provider, inputs);
      assert.equal(outs.status, "skipped");
      assert.equal(api.requests.length, 0);
      await bare.waitForStderr(
        /warning: SiteRelease: no site bump token \(SITE_BUMP_TOKEN is not set\): LATEST_ISO_DATE on daniel-g-carrasco\/margine-os-1084ca72 was not bumped to 20261120; the release goes on/,
      );
    });

    const recorded = () => ({ ...inputs, status: "current", currentDate: "20261120", pullRequestUrl: null, autoMerge: null });

    it("refresh reads a public site anonymously and shows the drift, with no credential sent", async () => {
      api.anonymousReads = true;
      try {
        const { props } = await bare.read(provider, `${inputs.repository}/${PATH}`, recorded());
        assert.equal(props.status, "drifted");
        assert.equal(props.currentDate, "20261106");
        assert.ok(api.requests.length >= 2, "main read and open pull requests listed");
        assert.deepEqual(
          api.requests.filter((r) => r.method !== "GET" || r.authorization !== undefined),
          [],
        );
      } finally {
        api.anonymousReads = false;
      }
    });

    it("refresh of a site that refuses anonymous reads keeps the recorded state and says why", async () => {
      const since = bare.stderr.length;
      const { props } = await bare.read(provider, `${inputs.repository}/${PATH}`, recorded());
      assert.deepEqual(props, recorded());
      const warned = await bare.waitForStderr(/could not be read anonymously/, { since });
      assert.match(
        warned,
        /warning: SiteRelease: no site bump token, and daniel-g-carrasco\/margine-os-1084ca72 could not be read anonymously \(.*HTTP 401.*only a public repository can be read\); the recorded state is kept/,
      );
    });

    it("a skipped bump stays pending: the next diff retries it", async () => {
      const { id, outs } = await bare.create(provider, inputs);
      assert.equal((await bare.diff(provider, id, outs, inputs)).changes, "some");
    });
  });
});
