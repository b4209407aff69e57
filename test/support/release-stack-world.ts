// The world the release stack is released into under the real Pulumi engine (release-stack.test.ts):
// a project copy with the CLIs on a local file backend, the real docker-registry holding three
// candidates (a and b signed as build.yml signs them, c not), the IA emulator holding the ISO that
// build-disk's publish_ia left, the GitHub API stand-in with the site repository, and the release
// stack file as the first release PR writes it (with the real release-state CLI). The preview and
// up commands are the `run:` scripts of the generated release.yml, with the workflow's environment.
import { strict as assert } from "node:assert";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { GitHubApiStandIn } from "../../fixtures/servers/github-api";
import { SiteRepositoryStandIn } from "../../fixtures/servers/github-site";
import { IaEmulator } from "../../fixtures/servers/ia-emulator";
import { LocalRegistry, pushTestImage, startRegistry } from "../../fixtures/servers/registry";
import { requireTool, runTool } from "../../fixtures/system-tool";
import { generateTestKeyPair, signImage } from "./cosign-fixture";
import { EngineWorkspace, releaseWorkflowCommand, WorkflowCommand } from "./engine";
import { runScript } from "./processes";
import { sentinel } from "./program-run";

const SENTINEL = {
  registry: sentinel("registryPassword"),
  iaAccess: sentinel("iaAccessKey"),
  iaSecret: sentinel("iaSecretKey"),
  site: sentinel("siteBumpToken"),
};
const SITE_REPO = "daniel-g-carrasco/margine-os-1084ca72";
export const SITE_PATH = "src/routes/index.tsx";
export const BOOT_RUN = "https://github.com/daniel-g-carrasco/margine-image/actions/runs/";

/** One world per describe: `new` it in the describe's body, `start` it in `before`, `stop` it in `after`. */
export class ReleaseStackWorld {
  ws!: EngineWorkspace;
  registry!: LocalRegistry;
  ia!: IaEmulator;
  api!: GitHubApiStandIn;
  site!: SiteRepositoryStandIn;
  skopeo!: string;
  readonly digests: Record<string, string> = {};
  // The build's signing key: the Promotion moves only what this key signed (cosignPublicKey).
  readonly keys = generateTestKeyPair();
  image!: string;
  stackFile!: string;
  preview!: WorkflowCommand;
  up!: WorkflowCommand;
  machineEnv!: Record<string, string>;

  /** The digest `tag` points at in the registry (read with skopeo), or null when there is no such tag. */
  readonly tagDigest = (tag: string): string | null => {
    try {
      return runTool(this.skopeo, ["inspect", "--tls-verify=false", "--format", "{{.Digest}}", `docker://${this.image}:${tag}`]).trim();
    } catch {
      return null;
    }
  };
  /** The real release-state CLI, editing the stack file as smoke-boot, build-disk or a maintainer does. */
  readonly releaseState = (args: string[]) => runScript("release-state", [...args, "--file", this.stackFile]);
  /** A workflow step, with what the runner and this machine's stand-ins add to its environment. */
  readonly runStep = (command: WorkflowCommand) => this.ws.run(command.script, { ...command.env, ...this.machineEnv });

  async start(): Promise<void> {
    this.skopeo = requireTool("skopeo", "skopeo");
    // With the CLIs: the watch's steps run `npm run watch` in the checkout.
    this.ws = EngineWorkspace.create({ clis: true });
    const ws = this.ws;
    this.registry = await startRegistry();
    const registry = this.registry;
    this.image = `${registry.host}/margine`;
    const digests = this.digests;
    for (const [name, seed] of [
      ["a", "a"],
      ["b", "b"],
      ["c", "c"],
    ]) {
      digests[name] = (await pushTestImage(registry.host, "margine", `candidate.2026112${name === "a" ? 0 : name === "b" ? 1 : 2}`, { seed })).digest;
    }
    // a and b are signed as build.yml signs them; c (the hand-moved one) is not.
    for (const name of ["a", "b"]) await signImage(registry.host, "margine", digests[name], this.keys.privateKey);
    this.ia = await new IaEmulator().start();
    const ia = this.ia;
    ia.accounts.set(SENTINEL.iaAccess, SENTINEL.iaSecret);
    this.api = await new GitHubApiStandIn().start();
    this.site = new SiteRepositoryStandIn(this.api, SITE_REPO);
    this.site.seed({ [SITE_PATH]: 'export const LATEST_ISO_DATE = "20261106";\n' });
    // What the runner provides besides the workflow's env (RUNNER_TEMP), and the endpoints of this
    // machine's stand-ins (the workflow leaves IA at its public defaults).
    const runnerTemp = fs.mkdtempSync(path.join(os.tmpdir(), "runner-temp-"));
    this.machineEnv = { RUNNER_TEMP: runnerTemp, IA_S3_URL: ia.url, IA_URL: ia.url, IA_TORRENT_WAIT_SECONDS: "1", IA_POLL_MS: "50" };

    // What build-disk's publish_ia left on IA: the ISO, before the release PR declares it.
    const iso = crypto.randomBytes(300_000);
    await ia.seedFile("margine-20261120", SENTINEL.iaAccess, "margine-20261120.iso", iso, {
      mediatype: "software",
      collection: "opensource",
      title: "Margine 20261120",
    });

    this.stackFile = ws.writeStackFile(
      "release",
      stringify({
        config: {
          "margine-pipeline:stackRole": "release",
          "margine-pipeline:image": this.image,
          "margine-pipeline:insecureRegistry": true,
          "margine-pipeline:siteRepository": SITE_REPO,
          "margine-pipeline:siteApiUrl": this.api.url,
          "margine-pipeline:cosignPublicKey": this.keys.publicKey,
          "margine-pipeline:release": { isos: [] },
        },
      }),
    );
    // The first release PR, written by the real CLI as smoke-boot and build-disk run it.
    assert.equal(this.releaseState(["stable", "--digest", digests.a, "--boot-run", `${BOOT_RUN}1`, "--booted-at", "2026-11-20T09:00:00Z"]).code, 0);
    const sha256 = crypto.createHash("sha256").update(iso).digest("hex");
    const md5 = crypto.createHash("md5").update(iso).digest("hex");
    const isoEdit = this.releaseState([
      "iso",
      "--date",
      "20261120",
      "--identifier",
      "margine-20261120",
      "--file-entry",
      `margine-20261120.iso:${sha256}:${md5}:${iso.length}`,
    ]);
    assert.equal(isoEdit.code, 0, isoEdit.stderr);

    const values: Record<string, string> = {
      [`vars.PULUMI_BACKEND_URL`]: `file://${ws.backend}`,
      [`vars.REGISTRY_USERNAME`]: "margine-release",
      [`secrets.REGISTRY_PASSWORD`]: SENTINEL.registry,
      [`secrets.IA_ACCESS_KEY`]: SENTINEL.iaAccess,
      [`secrets.IA_SECRET_KEY`]: SENTINEL.iaSecret,
      [`secrets.SITE_BUMP_TOKEN`]: SENTINEL.site,
    };
    const preview = releaseWorkflowCommand("preview", "pulumi preview", values);
    this.preview = preview;
    this.up = releaseWorkflowCommand("up", "pulumi up", values);
    assert.equal(preview.env.PULUMI_CONFIG_PASSPHRASE, "", "previews get no passphrase");
    assert.ok(!Object.values(preview.env).some((v) => v.includes("SENTINEL")), "previews get no credential");

    const build = await this.runStep(releaseWorkflowCommand("preview", "Build the policy pack", values));
    assert.equal(build.code, 0, build.output);
    const init = await ws.pulumi(["stack", "init", preview.env.STACK], { PULUMI_CONFIG_PASSPHRASE: "" });
    assert.equal(init.code, 0, init.output);
  }

  async stop(): Promise<void> {
    await this.registry?.stop();
    await this.ia?.stop();
    await this.api?.stop();
    this.ws?.dispose();
  }
}
