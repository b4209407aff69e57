// The world the release-notes jobs are run in for real (release-notes-jobs.test.ts,
// release-notes-build.test.ts): two images signed and attested by the real cosign in the real
// registry, the image repository's commits in the GitHub stand-in, and a scratch folder whose bin/
// stands `npm run CLI` for this repository's compiled CLIs and `gh pr list` for GitHub's CLI. The
// helpers make release stack files, git repositories holding one, and run a step's bash there.
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import { Step } from "../../components/workflows/model";
import { GitHubApiStandIn } from "../../fixtures/servers/github-api";
import { LocalRegistry, startRegistry } from "../../fixtures/servers/registry";
import { requireTool } from "../../fixtures/system-tool";
import { runPeer } from "./peers";
import { cliArgs } from "./processes";
import { ReleaseImageBuilder } from "./release-images";

const REV = (n: number) => `${n}`.repeat(40);
const PACKAGES = [{ name: "bash", evr: "0:5.2.26-3.fc42", arch: "x86_64" }];

/** The step of `steps` named `name`, which runs a script. */
export function stepOf(steps: readonly Step[], name: string): Step {
  const found = steps.find((s) => s.name === name);
  assert.ok(found?.run, `a step named ${name}`);
  return found;
}

/** One world per describe: `new` it in the describe's body, `start` it in `before`, `stop` it in `after`. */
export class NotesJobsWorld {
  readonly git = requireTool("git", "git");
  registry!: LocalRegistry;
  github!: GitHubApiStandIn;
  images!: ReleaseImageBuilder;
  root!: string;
  /** The image at the history's first commit (what `repository` declares on main) and at its third. */
  oldDigest!: string;
  newDigest!: string;

  constructor() {
    requireTool("jq", "jq");
    requireTool("curl", "curl");
  }

  async start(): Promise<void> {
    this.registry = await startRegistry();
    this.github = await new GitHubApiStandIn().start();
    this.github.histories.set(
      "daniel-g-carrasco/margine-image",
      [1, 2, 3].map((n) => ({ sha: REV(n), message: `Change ${n}`, author: "Daniel", date: "2026-12-01T00:00:00Z" })),
    );
    this.images = new ReleaseImageBuilder(this.registry.host);
    await this.images.importKeys();
    this.oldDigest = await this.images.push({ seed: "job-old", created: "2026-11-20T04:17:00Z", version: "20261120", revision: REV(1), packages: PACKAGES });
    this.newDigest = await this.images.push({
      seed: "job-new",
      created: "2026-12-05T04:17:00Z",
      version: "20261205",
      revision: REV(3),
      packages: [...PACKAGES, { name: "vim-enhanced", evr: "2:9.1-1.fc42", arch: "x86_64" }],
    });
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "notes-jobs-"));
    this.root = root;
    fs.mkdirSync(path.join(root, "bin"));
    // `npm run [-s] CLI -- ARGS` runs this repository's compiled CLI, as the jobs' checkout does.
    fs.writeFileSync(
      path.join(root, "bin", "npm"),
      `#!/usr/bin/env bash
[[ "$1" == "run" ]] || { echo "unexpected npm call: $*" >&2; exit 99; }
[[ "$2" == "-s" ]] && shift
cli="$2"; shift 3
exec ${JSON.stringify(process.execPath)} ${JSON.stringify(cliArgs("release-notes", [])[0])} "$cli" "$@"
`,
      { mode: 0o755 },
    );
    fs.writeFileSync(path.join(root, "bin", "gh"), `#!/usr/bin/env bash\nif [[ "$1 $2" == "pr list" ]]; then echo 0; fi\n`, { mode: 0o755 });
  }

  async stop(): Promise<void> {
    this.images?.dispose();
    await this.github?.stop();
    await this.registry?.stop();
    if (this.root) fs.rmSync(this.root, { recursive: true, force: true });
  }

  /** A release stack file for the local registry, declaring `digest` stable (or nothing). */
  readonly stackFile = (digest: string | undefined) =>
    YAML.stringify({
      config: {
        "margine-pipeline:stackRole": "release",
        "margine-pipeline:image": this.images.image,
        "margine-pipeline:siteRepository": "daniel-g-carrasco/margine-os-1084ca72",
        "margine-pipeline:insecureRegistry": true,
        "margine-pipeline:cosignPublicKey": fs.readFileSync(this.images.publicKeyFile("cosign"), "utf8"),
        "margine-pipeline:release": {
          ...(digest
            ? { stable: { digest, evidence: { bootRun: "https://github.com/o/r/actions/runs/1", bootedAt: "2026-11-20T09:41:00Z" }, rollback: false } }
            : {}),
          isos: [],
        },
      },
    });

  /** A bare origin with main declaring the old digest, and a clone. */
  readonly repository = (name: string): { clone: string; run: (args: string[]) => string; main: string } => {
    const { git, root } = this;
    const origin = path.join(root, `${name}.git`);
    const clone = path.join(root, name);
    execFileSync(git, ["init", "--quiet", "--bare", "--initial-branch=main", origin]);
    execFileSync(git, ["clone", "--quiet", origin, clone], { stdio: "ignore" });
    const run = (args: string[]) => execFileSync(git, ["-c", "user.name=t", "-c", "user.email=t@t", ...args], { cwd: clone, encoding: "utf8" });
    fs.writeFileSync(path.join(clone, "Pulumi.release.yaml"), this.stackFile(this.oldDigest));
    run(["add", "Pulumi.release.yaml"]);
    run(["commit", "--quiet", "-m", "main"]);
    run(["push", "--quiet", "origin", "HEAD:main"]);
    return { clone, run, main: run(["rev-parse", "HEAD"]).trim() };
  };

  /** A step's script under `bash -euo pipefail`, with bin/ first on PATH and the GitHub stand-in as the API. */
  readonly bash = (script: string, cwd: string, env: Record<string, string>) =>
    runPeer("bash", ["-euo", "pipefail", "-c", script], {
      cwd,
      env: { PATH: `${path.join(this.root, "bin")}:${process.env.PATH}`, RUNNER_TEMP: cwd + "-tmp", GITHUB_API_URL: this.github.url, ...env },
    });
}
