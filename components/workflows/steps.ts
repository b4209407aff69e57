// Step builders: small functions returning plain model objects, with options and defaults.
import { ACTIONS, NODE_VERSION } from "./actions";
import { IMAGE_VARIABLES } from "../github/image-repository";
import { Step, WithValue } from "./model";
import { variable } from "./references";

/** Where jobs check out this (pipeline) repository to run its CLIs. */
export const PIPELINE_DIR = "pipeline";

export interface RunOptions {
  readonly id?: string;
  readonly if?: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly workingDirectory?: string;
  readonly comment?: string;
}

/** A bash step. Values from expressions come in through `env`, never inlined in the script. */
export function run(name: string, script: string, options: RunOptions = {}): Step {
  return { name, run: script, ...options };
}

export interface CheckoutOptions {
  /** `owner/name` or an expression; the workflow's own repository when unset. */
  readonly repository?: string;
  readonly ref?: string;
  readonly path?: string;
}

export function checkout(options: CheckoutOptions = {}): Step {
  const withInputs: Record<string, WithValue> = {};
  if (options.repository) withInputs.repository = options.repository;
  if (options.ref) withInputs.ref = options.ref;
  if (options.path) withInputs.path = options.path;
  // No token stays on disk for later steps (or a dependency's code) to find; a job that pushes
  // hands its token to that one git command.
  withInputs["persist-credentials"] = false;
  return { name: options.repository ? `Check out ${options.path ?? options.repository}` : "Check out", uses: ACTIONS.checkout, with: withInputs };
}

/**
 * This repository's CLIs at `ref` (a pinned commit: the tools match the workflow that calls them),
 * installed from the lockfile. `checkoutOptions` override the checkout, e.g. a pushable main.
 */
export function pipelineTools(ref: string, checkoutOptions: CheckoutOptions = {}): Step[] {
  return [
    checkout({ repository: variable(IMAGE_VARIABLES.pipelineRepository), ref, path: PIPELINE_DIR, ...checkoutOptions }),
    { name: "Set up Node.js", uses: ACTIONS.setupNode, with: { "node-version": NODE_VERSION } },
    // --ignore-scripts: the jobs that run these CLIs hold secrets; no dependency runs code at install.
    // Compiled once per job: every later `npm run <cli>` starts the JavaScript, not ts-node.
    run("Install the pipeline's CLIs", "npm ci --ignore-scripts --no-audit --no-fund\nnpm run build\n", { workingDirectory: PIPELINE_DIR }),
  ];
}

export function uploadArtifact(name: string, path: string, retentionDays: number): Step {
  return {
    name: `Upload ${name} artifact`,
    uses: ACTIONS.uploadArtifact,
    with: { name, path, "retention-days": retentionDays, "if-no-files-found": "error" },
  };
}

export function downloadArtifact(name: string, path: string): Step {
  return { name: `Download ${name} artifact`, uses: ACTIONS.downloadArtifact, with: { name, path } };
}
