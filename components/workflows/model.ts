// A small typed model of a GitHub Actions workflow. Plain readonly data, no logic: only the
// renderer (render.ts) knows the YAML spelling (`runsOn` -> `runs-on`). The fields the handbook's
// lessons depend on are required in the type and checked again at render time: `permissions`
// (least privilege, never write-all) and `timeoutMinutes` (size it to the slow third party).

/** The runner image, named by version: a moving `ubuntu-latest` changes the tools under a release. */
export type RunnerLabel = "ubuntu-24.04";

export type PermissionLevel = "read" | "write" | "none";
export type PermissionScope =
  "actions" | "attestations" | "checks" | "contents" | "deployments" | "id-token" | "issues" | "packages" | "pull-requests" | "statuses";
/** An explicit permission map; `{}` means no permission at all. There is no `write-all` form. */
export type Permissions = Readonly<Partial<Record<PermissionScope, PermissionLevel>>>;

export interface Concurrency {
  readonly group: string;
  /** `false` queues runs (promotions, deploys); an expression string decides per event. */
  readonly cancelInProgress: boolean | string;
}

/**
 * Events a workflow runs on. `pull_request_target` is deliberately absent: it runs with the base
 * repository's secrets on code from a fork.
 */
export interface Triggers {
  readonly push?: { readonly branches: readonly string[] };
  readonly pullRequest?: { readonly branches?: readonly string[]; readonly types?: readonly string[] };
  readonly schedule?: readonly { readonly cron: string }[];
  readonly workflowDispatch?: Record<string, never>;
  readonly workflowRun?: {
    readonly workflows: readonly string[];
    readonly types: readonly ("completed" | "requested")[];
    readonly branches?: readonly string[];
  };
}

/** A third-party action pinned to a full commit SHA; `version` is the release that commit is. */
export interface PinnedAction {
  readonly repository: string;
  readonly sha: string;
  readonly version: string;
}

export type WithValue = string | number | boolean;

export interface Step {
  readonly name: string;
  readonly id?: string;
  readonly if?: string;
  readonly uses?: PinnedAction;
  readonly with?: Readonly<Record<string, WithValue>>;
  /** A bash script. Expressions (`${{ }}`) never appear here: they come in through `env`. */
  readonly run?: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly workingDirectory?: string;
  readonly continueOnError?: boolean;
  /** Why the step looks the way it does (incident, lesson); rendered as a YAML comment. */
  readonly comment?: string;
  /** The outputs the step writes (references.ts withOutputs); not rendered, checked by references. */
  readonly outputs?: readonly string[];
}

export interface Job {
  readonly name?: string;
  readonly runsOn: RunnerLabel;
  readonly permissions: Permissions;
  readonly timeoutMinutes: number;
  /** Why this timeout; rendered as a comment above `timeout-minutes` (workflows are the changelog). */
  readonly timeoutReason?: string;
  readonly needs?: readonly string[];
  readonly if?: string;
  /** The GitHub environment whose secrets this job may read. */
  readonly environment?: string;
  readonly concurrency?: Concurrency;
  readonly outputs?: Readonly<Record<string, string>>;
  readonly env?: Readonly<Record<string, string>>;
  readonly steps: readonly Step[];
  /** Rendered as a comment above the job. */
  readonly comment?: string;
}

export interface Workflow {
  /** The file under .github/workflows/, e.g. `build.yml`. */
  readonly fileName: string;
  readonly name: string;
  /** Comment lines at the top of the file (what it does, which handbook section). */
  readonly header: readonly string[];
  readonly on: Triggers;
  /** Workflow-level default; every job still declares its own. */
  readonly permissions: Permissions;
  readonly concurrency?: Concurrency;
  readonly env?: Readonly<Record<string, string>>;
  readonly jobs: Readonly<Record<string, Job>>;
  /** The secrets and variables of the repository the workflow runs in; required to reference any. */
  readonly contract?: RepositoryContract;
}

/** A secret of a repository, with the one environment allowed to read it (least privilege). */
export interface SecretDeclaration {
  readonly name: string;
  /** Unset: a repository secret every job may read. Margine declares none. */
  readonly environment?: string;
}

/** What a repository's settings declare and its workflows may reference. */
export interface RepositoryContract {
  /** For messages: "the image repository". */
  readonly repository: string;
  readonly secrets: Readonly<Record<string, SecretDeclaration>>;
  readonly variables: Readonly<Record<string, string>>;
}
