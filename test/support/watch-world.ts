// The world `npm run watch` is tested against (watch.test.ts, watch-inputs.test.ts), all of it real
// parts: images pushed into the real docker-registry and signed by the real cosign, ISO files in the
// IA emulator, the site file and the issues API in the GitHub stand-in, ntfy's publish API in its
// stand-in, and a release stack file declaring that world as it is. The helpers run the compiled
// watch CLI against it and read the issues it leaves.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { GitHubApiStandIn } from "../../fixtures/servers/github-api";
import { IssuesStandIn } from "../../fixtures/servers/github-issues";
import { SiteRepositoryStandIn } from "../../fixtures/servers/github-site";
import { IaEmulator } from "../../fixtures/servers/ia-emulator";
import { NtfyStandIn } from "../../fixtures/servers/ntfy";
import { LocalRegistry, startRegistry } from "../../fixtures/servers/registry";
import { RegistryClient } from "../../providers/oci/registry-client";
import { TagGrammar } from "../../grammar/values";
import { runPeer } from "./peers";
import { cliArgs } from "./processes";
import { PROJECT_DIR } from "./program-run";
import { ReleaseImageBuilder } from "./release-images";

export const REPO = "daniel-g-carrasco/margine-pipeline";
export const SITE = "daniel-g-carrasco/margine-site";
export const SITE_FILE = "src/routes/index.tsx";
export const ISO_ID = "margine-20261201";
export const ISO_DATE = "20261201";
export const DAY = 86_400_000;
export const siteSource = (date: string) => `export const LATEST_ISO_DATE = "${date}";\n`;

/** One world per describe: `new` it in the describe's body, `start` it in `before`, `stop` it in `after`. */
export class WatchWorld {
  registry!: LocalRegistry;
  github!: GitHubApiStandIn;
  issues!: IssuesStandIn;
  site!: SiteRepositoryStandIn;
  ia!: IaEmulator;
  ntfy!: NtfyStandIn;
  images!: ReleaseImageBuilder;
  client!: RegistryClient;
  /** The declared stable digest, and another image to move tags to. */
  digest!: string;
  other!: string;
  work!: string;
  stackFile!: string;
  readonly iso = Buffer.from("an ISO image, small for the test\n".repeat(100));
  readonly bootedAt = new Date(Date.now() - 2 * DAY);
  readonly tags = TagGrammar.promotionTags(this.bootedAt.toISOString().slice(0, 10).replace(/-/g, ""));

  /** `npm run watch -- ARGS` pointed at the stand-ins; `json` is its parsed stdout when ARGS ask for json. */
  readonly watch = async (args: string[], env: NodeJS.ProcessEnv = {}) => {
    const res = await runPeer(process.execPath, cliArgs("watch", args), {
      cwd: PROJECT_DIR,
      env: {
        ...process.env,
        IA_URL: this.ia.url,
        GITHUB_TOKEN: "ghs_watch",
        GITHUB_API_URL: this.github.url,
        NTFY_SERVER: this.ntfy.url,
        NTFY_TOPIC: "margine-oncall",
        ...env,
      },
    });
    return { ...res, json: res.code !== 2 && args.includes("json") ? JSON.parse(res.stdout) : undefined };
  };
  /** A watch run that syncs its findings to REPO's issues, as the scheduled job does. */
  readonly sync = (extra: string[] = []) =>
    this.watch(["--stack-file", this.stackFile, "--format", "json", "--issues", REPO, "--run-url", "https://github.com/o/r/actions/runs/1", ...extra]);
  readonly watchIssues = () => this.issues.list(REPO).filter((i) => i.labels.includes("release-watch"));
  readonly openKinds = () =>
    this.watchIssues()
      .filter((i) => i.state === "open")
      .map((i) => /kind=([a-z-]+)/.exec(i.body)![1]);
  /** Points `tag` at the manifest of digest `to`. */
  readonly setTag = async (tag: string, to: string) => {
    const m = await this.client.getManifest("margine", to);
    await this.client.putManifest("margine", tag, { bytes: m.bytes, mediaType: m.mediaType });
  };

  async start(): Promise<void> {
    this.registry = await startRegistry();
    this.client = new RegistryClient({ registry: this.registry.host, insecure: true });
    this.github = await new GitHubApiStandIn().start();
    this.issues = new IssuesStandIn(() => this.github.url);
    this.github.routes.push(this.issues.route);
    this.site = new SiteRepositoryStandIn(this.github, SITE);
    this.site.seed({ [SITE_FILE]: siteSource(ISO_DATE) });
    this.ia = await new IaEmulator().start();
    await this.ia.seedFile(ISO_ID, "ia-owner", `${ISO_ID}.iso`, this.iso);
    this.ntfy = await new NtfyStandIn().start();
    this.images = new ReleaseImageBuilder(this.registry.host);
    await this.images.importKeys();
    this.digest = await this.images.push({ seed: "stable", created: new Date(Date.now() - 3 * DAY).toISOString() });
    this.other = await this.images.push({ seed: "other", created: new Date(Date.now() - DAY).toISOString() });
    for (const tag of this.tags) await this.setTag(tag, this.digest);
    this.work = fs.mkdtempSync(path.join(os.tmpdir(), "margine-watch-"));
    this.stackFile = path.join(this.work, "Pulumi.release.yaml");
    fs.writeFileSync(this.stackFile, stringify(this.stackConfig()));
  }

  async stop(): Promise<void> {
    await Promise.all([this.registry?.stop(), this.github?.stop(), this.ia?.stop(), this.ntfy?.stop()]);
    this.images?.dispose();
    if (this.work) fs.rmSync(this.work, { recursive: true, force: true });
  }

  /** The release stack declaring the world as `start` made it: the stable digest booted, the ISO on IA. */
  private stackConfig() {
    const { iso, digest, bootedAt } = this;
    return {
      config: {
        "margine-pipeline:stackRole": "release",
        "margine-pipeline:image": this.images.image,
        "margine-pipeline:siteRepository": SITE,
        "margine-pipeline:siteApiUrl": this.github.url,
        "margine-pipeline:insecureRegistry": true,
        "margine-pipeline:cosignPublicKey": fs.readFileSync(this.images.publicKeyFile("cosign"), "utf8"),
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
    };
  }
}
