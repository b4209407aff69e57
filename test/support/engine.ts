// The real Pulumi engine for the end-to-end tier: the CLI scripts/install-pulumi.sh provides (a
// matching `pulumi` on PATH, or one built from the Go modules tools/pulumi pins), put where
// release.yml's install step puts the official one (~/.pulumi/bin of the runner's home, on PATH),
// a copy of this project in a temporary folder with its own stack files and a local file backend,
// and the commands of the generated release.yml, run with the environment the workflow gives them.
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { OFFICIAL_CLI_BIN_DIR } from "../../components/workflows/pulumi-cli";
import { releaseWorkflow } from "../../components/workflows/release";
import { renderWorkflow } from "../../components/workflows/render";
import { Workflow } from "../../components/workflows/model";
import { PROJECT_DIR } from "./program-run";

let engineBin: string | undefined;

/** The folder holding `pulumi`; fails, naming how to get it, when neither Go nor a CLI is there. */
export function requireEngine(): string {
  if (engineBin) return engineBin;
  const res = spawnSync("bash", [path.join(PROJECT_DIR, "scripts", "install-pulumi.sh")], { encoding: "utf8", timeout: 1_800_000 });
  if (res.status !== 0) {
    throw new Error(
      `the Pulumi engine is not available: scripts/install-pulumi.sh exited ${res.status}: ${res.stderr.trim().split("\n").pop()} (install Go 1.26 or pulumi 3.248.0; scripts/ci.sh builds it)`,
    );
  }
  engineBin = res.stdout.trim().split("\n").pop()!;
  if (!fs.existsSync(path.join(engineBin, "pulumi"))) throw new Error(`scripts/install-pulumi.sh printed ${engineBin}, which holds no pulumi`);
  return engineBin;
}

/** What the project copy needs to run: the program, its config, the policy pack. */
const PROJECT_ENTRIES = ["Pulumi.yaml", "package.json", "tsconfig.json", "index.ts", "stacks", "grammar", "config", "components", "providers", "policy"];
/** And what `npm run <cli>` needs there (the watch's steps run the CLIs in the checkout, as a runner does). */
const CLI_ENTRIES = ["package-lock.json", "tsconfig.build.json", "scripts", "release-notes", "watch"];

export interface CommandResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout and stderr interleaved as a user sees them. */
  readonly output: string;
}

/** A copy of the project with its own stacks and state, driven by the real engine. */
export class EngineWorkspace {
  private constructor(
    readonly dir: string,
    readonly backend: string,
    /** The runner's home: the CLI is in its .pulumi/bin, its plugins and workspaces in .pulumi. */
    readonly home: string,
  ) {}

  static create(options: { clis?: boolean } = {}): EngineWorkspace {
    const bin = requireEngine();
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "margine-engine-"));
    const dir = path.join(root, "project");
    fs.mkdirSync(dir);
    // Without the compiled policy pack: the workflow's own build step makes it in the copy.
    const policyBuild = path.join(PROJECT_DIR, "policy", "bin");
    for (const entry of [...PROJECT_ENTRIES, ...(options.clis ? CLI_ENTRIES : [])])
      fs.cpSync(path.join(PROJECT_DIR, entry), path.join(dir, entry), { recursive: true, filter: (src) => src !== policyBuild });
    fs.symlinkSync(path.join(PROJECT_DIR, "node_modules"), path.join(dir, "node_modules"));
    const backend = path.join(root, "state");
    fs.mkdirSync(backend);
    const home = path.join(root, "home");
    const cliDir = path.join(home, OFFICIAL_CLI_BIN_DIR);
    fs.mkdirSync(cliDir, { recursive: true });
    for (const entry of fs.readdirSync(bin)) fs.symlinkSync(fs.realpathSync(path.join(bin, entry)), path.join(cliDir, entry));
    return new EngineWorkspace(dir, backend, home);
  }

  /** Writes Pulumi.<stack>.yaml in the copy. */
  writeStackFile(stack: string, text: string): string {
    const file = path.join(this.dir, `Pulumi.${stack}.yaml`);
    fs.writeFileSync(file, text);
    return file;
  }

  /** The environment every engine command gets: this workspace's backend and home, no update check. */
  baseEnv(): NodeJS.ProcessEnv {
    return {
      PATH: `${path.join(this.home, OFFICIAL_CLI_BIN_DIR)}:${process.env.PATH}`,
      HOME: this.home,
      PULUMI_BACKEND_URL: `file://${this.backend}`,
      PULUMI_SKIP_UPDATE_CHECK: "true",
      TS_NODE_TRANSPILE_ONLY: "true",
    };
  }

  /** Runs a bash script in the project copy (bounded), as a workflow step would. */
  run(script: string, env: NodeJS.ProcessEnv = {}, timeoutMs = 300_000): Promise<CommandResult> {
    return new Promise((resolve, reject) => {
      const child = spawn("bash", ["-euo", "pipefail", "-c", script], { cwd: this.dir, env: { ...this.baseEnv(), ...env }, stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      let output = "";
      child.stdout.on("data", (d: Buffer) => {
        stdout += d;
        output += d;
      });
      child.stderr.on("data", (d: Buffer) => {
        stderr += d;
        output += d;
      });
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`timed out after ${timeoutMs} ms: ${script}\n${output}`));
      }, timeoutMs);
      child.once("error", (e) => {
        clearTimeout(timer);
        reject(e);
      });
      child.once("close", (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr, output });
      });
    });
  }

  /** `pulumi ARGS` in the project copy. */
  pulumi(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CommandResult> {
    return this.run(`pulumi ${args.map(shellQuote).join(" ")}`, env);
  }

  dispose(): void {
    fs.rmSync(path.dirname(this.dir), { recursive: true, force: true });
  }
}

function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** One `run:` step of the generated release.yml, with the environment GitHub would give it. */
export interface WorkflowCommand {
  readonly script: string;
  readonly env: Record<string, string>;
}

/**
 * The script and environment of step `stepName` in job `jobId` of release.yml as rendered: the
 * workflow's, the job's and the step's `env`, each `${{ expression }}` replaced from `values`. An
 * expression the test does not provide fails here, so a renamed secret or variable fails the tier.
 */
export function releaseWorkflowCommand(jobId: string, stepName: string, values: Record<string, string>): WorkflowCommand {
  return workflowCommand(releaseWorkflow(), jobId, stepName, values);
}

/** A `run:` step of any generated workflow, as releaseWorkflowCommand gives release.yml's. */
export function workflowCommand(workflow: Workflow, jobId: string, stepName: string, values: Record<string, string>): WorkflowCommand {
  const file = workflow.fileName;
  const wf = parse(renderWorkflow(workflow)) as {
    env?: Record<string, string>;
    jobs: Record<string, { env?: Record<string, string>; steps: { name: string; run?: string; env?: Record<string, string> }[] }>;
  };
  const job = wf.jobs[jobId];
  if (!job) throw new Error(`${file} has no job ${jobId}`);
  const step = job.steps.find((s) => s.name === stepName);
  if (!step?.run) throw new Error(`${file} ${jobId} has no run step "${stepName}"; steps: ${job.steps.map((s) => s.name).join(", ")}`);
  const env: Record<string, string> = {};
  for (const [key, raw] of Object.entries({ ...wf.env, ...job.env, ...step.env })) {
    env[key] = String(raw).replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_, expr: string) => {
      if (!(expr in values)) throw new Error(`${file} ${jobId} "${stepName}": ${key} uses \${{ ${expr} }}, which the test does not provide`);
      return values[expr];
    });
  }
  return { script: step.run, env };
}
