// Step builders: small functions returning plain model objects, with options and defaults.
import { ACTIONS, NODE_VERSION } from "./actions";
import { Step, WithValue } from "./model";

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
  /** A token expression; only for checkouts that push. */
  readonly token?: string;
  /** Keep the token in .git/config (needed to push a branch); false otherwise. */
  readonly persistCredentials?: boolean;
}

export function checkout(options: CheckoutOptions = {}): Step {
  const withInputs: Record<string, WithValue> = {};
  if (options.repository) withInputs.repository = options.repository;
  if (options.ref) withInputs.ref = options.ref;
  if (options.path) withInputs.path = options.path;
  if (options.token) withInputs.token = options.token;
  // Without a push, the token has no business staying on disk for later steps to find.
  withInputs["persist-credentials"] = options.persistCredentials ?? false;
  return { name: options.repository ? `Check out ${options.path ?? options.repository}` : "Check out", uses: ACTIONS.checkout, with: withInputs };
}

/**
 * This repository's CLIs at `ref` (a pinned commit: the tools match the workflow that calls them),
 * installed from the lockfile. `checkoutOptions` override the checkout, e.g. a pushable main.
 */
export function pipelineTools(ref: string, checkoutOptions: CheckoutOptions = {}): Step[] {
  return [
    checkout({ repository: "${{ vars.PIPELINE_REPOSITORY }}", ref, path: PIPELINE_DIR, ...checkoutOptions }),
    { name: "Set up Node.js", uses: ACTIONS.setupNode, with: { "node-version": NODE_VERSION } },
    run("Install the pipeline's CLIs", "npm ci --no-audit --no-fund", { workingDirectory: PIPELINE_DIR }),
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
