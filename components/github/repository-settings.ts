// The GitHub side of one repository: environments, Actions secrets and variables, labels, and the
// guardrails the handbook relies on (read-only default token, SHA-pinned actions, protected main).
import * as github from "@pulumi/github";
import * as pulumi from "@pulumi/pulumi";
import { splitRepository } from "../../config/stack";

/** The GitHub Actions app: a required check must come from it, not from a status any token can post. */
const GITHUB_ACTIONS_APP_ID = 15368;
/** GitHub's built-in repository role "admin" as a ruleset bypass actor (maintain is 2, write 4). */
const REPOSITORY_ADMIN_ROLE_ID = 5;

export interface ActionsSecretSpec {
  /** The name workflows read: `secrets.NAME`. */
  readonly name: string;
  readonly value: pulumi.Input<string>;
  /**
   * The environment the secret is scoped to. Set it whenever a single job uses the secret, so no
   * other job (and no pull request) can read it; leave it unset only for secrets shared by jobs.
   */
  readonly environment?: string;
  /** Why the secret exists and which job uses it; shown in resources.json, never the value. */
  readonly usedBy: string;
}

export interface LabelSpec {
  readonly name: string;
  readonly color: string;
  readonly description: string;
}

export interface RepositorySettingsArgs {
  /** `owner/name`. */
  readonly repository: string;
  /** Environments, each deployable from `main` only. */
  readonly environments: readonly string[];
  readonly secrets: readonly ActionsSecretSpec[];
  readonly variables: Readonly<Record<string, pulumi.Input<string>>>;
  readonly labels: readonly LabelSpec[];
  /** Status checks (job names) that must pass before anything lands on main, from GitHub Actions. */
  readonly requiredChecks: readonly string[];
  /** Changes to main go through a pull request approved by one of these code owners. */
  readonly review?: { readonly codeOwners: readonly string[] };
}

/** Checks a settings declaration before any resource is registered; returns the problems. */
export function settingsProblems(args: RepositorySettingsArgs): string[] {
  const problems: string[] = [];
  const names = new Set<string>();
  for (const s of args.secrets) {
    if (!/^[A-Z][A-Z0-9_]*$/.test(s.name) || s.name.startsWith("GITHUB_")) {
      problems.push(`secret ${s.name}: expected UPPER_SNAKE_CASE not starting with GITHUB_`);
    }
    if (names.has(s.name)) problems.push(`secret ${s.name}: declared twice`);
    names.add(s.name);
    if (s.environment !== undefined && !args.environments.includes(s.environment)) {
      problems.push(`secret ${s.name}: environment ${s.environment} is not declared (declared: ${args.environments.join(", ") || "none"})`);
    }
  }
  for (const v of Object.keys(args.variables)) {
    if (!/^[A-Z][A-Z0-9_]*$/.test(v) || v.startsWith("GITHUB_")) {
      problems.push(`variable ${v}: expected UPPER_SNAKE_CASE not starting with GITHUB_`);
    }
  }
  return problems;
}

export class RepositorySettings extends pulumi.ComponentResource {
  /** `owner/name`. */
  readonly repository: string;
  readonly secretNames: pulumi.Output<string[]>;

  constructor(name: string, args: RepositorySettingsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("margine:github:RepositorySettings", name, {}, opts);
    const problems = settingsProblems(args);
    if (problems.length > 0) {
      throw new pulumi.ResourceError(`${args.repository}: ${problems.join("; ")}`, this);
    }
    this.repository = args.repository;
    const at: Declaring = { name, repo: splitRepository(args.repository).name, child: { parent: this } };
    const environments = declareEnvironments(at, args.environments);
    declareSecrets(at, args.secrets, environments);
    declareVariables(at, args.variables);
    declareLabels(at, args.labels);
    declareWorkflowGuardrails(at);
    declareMainRuleset(at, args);

    this.secretNames = pulumi.output(args.secrets.map((s) => s.name));
    this.registerOutputs({ repository: this.repository, secretNames: this.secretNames });
  }
}

/** Where the children go: names derived from the component's, parented to it, on one repository. */
interface Declaring {
  readonly name: string;
  /** The repository's name without owner, as the GitHub provider takes it. */
  readonly repo: string;
  readonly child: pulumi.CustomResourceOptions;
}

function declareEnvironments({ name, repo, child }: Declaring, names: readonly string[]): Map<string, github.RepositoryEnvironment> {
  const environments = new Map<string, github.RepositoryEnvironment>();
  for (const env of names) {
    const environment = new github.RepositoryEnvironment(
      `${name}-env-${env}`,
      {
        repository: repo,
        environment: env,
        // Deployments from main only: a branch pushed by anyone with write access cannot run a
        // job that reads this environment's secrets.
        deploymentBranchPolicy: { protectedBranches: false, customBranchPolicies: true },
        preventSelfReview: false,
      },
      child,
    );
    new github.RepositoryEnvironmentDeploymentPolicy(
      `${name}-env-${env}-main`,
      {
        repository: repo,
        environment: environment.environment,
        branchPattern: "main",
      },
      child,
    );
    environments.set(env, environment);
  }
  return environments;
}

function declareSecrets(
  { name, repo, child }: Declaring,
  secrets: readonly ActionsSecretSpec[],
  environments: ReadonlyMap<string, github.RepositoryEnvironment>,
): void {
  for (const s of secrets) {
    const resourceName = `${name}-secret-${s.name.toLowerCase().replace(/_/g, "-")}`;
    const value = pulumi.secret(s.value);
    const env = s.environment === undefined ? undefined : environments.get(s.environment);
    if (env) {
      new github.ActionsEnvironmentSecret(
        resourceName,
        {
          repository: repo,
          environment: env.environment,
          secretName: s.name,
          value,
        },
        child,
      );
    } else {
      new github.ActionsSecret(resourceName, { repository: repo, secretName: s.name, value }, child);
    }
  }
}

function declareVariables({ name, repo, child }: Declaring, variables: RepositorySettingsArgs["variables"]): void {
  for (const [variableName, value] of Object.entries(variables)) {
    new github.ActionsVariable(
      `${name}-var-${variableName.toLowerCase().replace(/_/g, "-")}`,
      {
        repository: repo,
        variableName,
        value,
      },
      child,
    );
  }
}

function declareLabels({ name, repo, child }: Declaring, labels: readonly LabelSpec[]): void {
  for (const label of labels) {
    new github.IssueLabel(
      `${name}-label-${label.name}`,
      {
        repository: repo,
        name: label.name,
        color: label.color,
        description: label.description,
      },
      child,
    );
  }
}

function declareWorkflowGuardrails({ name, repo, child }: Declaring): void {
  // The default GITHUB_TOKEN is read-only and cannot approve pull requests: every job asks for
  // the write scopes it needs in its own `permissions:` block.
  new github.WorkflowRepositoryPermissions(
    `${name}-workflow-permissions`,
    {
      repository: repo,
      defaultWorkflowPermissions: "read",
      canApprovePullRequestReviews: false,
    },
    child,
  );

  // A tag of a third-party action can be moved under us; a full commit SHA cannot.
  new github.ActionsRepositoryPermissions(
    `${name}-actions-permissions`,
    {
      repository: repo,
      enabled: true,
      allowedActions: "all",
      shaPinningRequired: true,
    },
    child,
  );
}

function declareMainRuleset({ name, repo, child }: Declaring, args: Pick<RepositorySettingsArgs, "requiredChecks" | "review">): void {
  new github.RepositoryRuleset(
    `${name}-main-ruleset`,
    {
      repository: repo,
      name: "main",
      target: "branch",
      enforcement: "active",
      conditions: { refName: { includes: ["refs/heads/main"], excludes: [] } },
      // The platform stack commits the generated workflows straight to main (github.RepositoryFile)
      // with an admin's token. A ruleset binds admins too unless they are listed here, and would
      // refuse those commits (no pull request, no status check). Admins can edit the ruleset
      // anyway, so this gives them nothing new; the release-PR account (write, not admin) stays bound.
      bypassActors: [{ actorType: "RepositoryRole", actorId: REPOSITORY_ADMIN_ROLE_ID, bypassMode: "always" }],
      rules: {
        deletion: true,
        nonFastForward: true,
        requiredStatusChecks:
          args.requiredChecks.length === 0
            ? undefined
            : {
                strictRequiredStatusChecksPolicy: false,
                requiredChecks: args.requiredChecks.map((context) => ({ context, integrationId: GITHUB_ACTIONS_APP_ID })),
              },
        pullRequest:
          args.review === undefined
            ? undefined
            : {
                requiredApprovingReviewCount: 1,
                requireCodeOwnerReview: true,
                // An approval covers the diff that was reviewed, not what is pushed after it.
                dismissStaleReviewsOnPush: true,
                requireLastPushApproval: true,
                requiredReviewThreadResolution: false,
              },
      },
    },
    child,
  );
}
