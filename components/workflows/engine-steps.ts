// The steps a job needs to run the Pulumi engine against the release stack's shared state: the
// project and its dependencies, the official CLI, and short-lived state backend credentials.
// release.yml's preview and up and watch.yml's check run them; the engine tier runs them too.
import { PIPELINE_VARIABLES } from "../github/pipeline-repository";
import { ACTIONS, NODE_VERSION } from "./actions";
import { Step } from "./model";
import { installPulumiCli } from "./pulumi-cli";
import { checkout, run } from "./steps";

// A runner starts with no state: without a shared backend, `pulumi up` would try to create
// everything again. Fail at once with what to set instead.
export const BACKEND_GUARD_SCRIPT = `if [[ -z "$PULUMI_BACKEND_URL" ]]; then
  echo "::error::vars.${PIPELINE_VARIABLES.stateBackendUrl} is empty: set stateBackendUrl in Pulumi.prod.yaml (e.g. s3://my-bucket/margine?region=eu-central-1) and run pulumi up of the platform stack"
  exit 1
fi
`;

/**
 * State backend credentials without a stored secret: for s3:// backends, a short-lived GitHub
 * OIDC token exchanged by the AWS SDK inside Pulumi for the role in STATE_ROLE (a read-only role
 * for previews, a read-write one for up; docs/stacks.md lists the trust policies).
 */
export const BACKEND_CREDENTIALS_SCRIPT = `case "$PULUMI_BACKEND_URL" in
  s3://*)
    # Pulumi's S3 client (AWS SDK v2) needs a region, and a runner sets none.
    if [[ "$PULUMI_BACKEND_URL" != *"?region="* && "$PULUMI_BACKEND_URL" != *"&region="* && -z "\${AWS_REGION:-}" ]]; then
      echo "::error::PULUMI_BACKEND_URL has no region: set stateBackendUrl to s3://BUCKET/PATH?region=REGION in Pulumi.prod.yaml"
      exit 1
    fi
    if [[ -z "$STATE_ROLE" ]]; then
      echo "::error::the role for the s3 state backend is not set (vars.PULUMI_STATE_READ_ROLE for preview, vars.PULUMI_STATE_WRITE_ROLE for up); see docs/stacks.md"
      exit 1
    fi
    # GitHub gives no token to a pull request from a fork, nor to a job without id-token: write.
    if [[ -z "\${ACTIONS_ID_TOKEN_REQUEST_URL:-}" ]]; then
      echo "::error::GitHub gave this job no OIDC token (a pull request from a fork gets none; the job needs permissions id-token: write), so the s3 state cannot be read"
      exit 1
    fi
    token_file="$RUNNER_TEMP/aws-web-identity-token"
    curl -fsS --max-time 30 -H "Authorization: bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN" \\
      "$ACTIONS_ID_TOKEN_REQUEST_URL&audience=sts.amazonaws.com" | jq -er .value > "$token_file"
    {
      echo "AWS_ROLE_ARN=$STATE_ROLE"
      echo "AWS_WEB_IDENTITY_TOKEN_FILE=$token_file"
      echo "AWS_ROLE_SESSION_NAME=margine-release-$GITHUB_RUN_ID"
    } >> "$GITHUB_ENV"
    ;;
  *)
    echo "::error::release.yml authenticates to s3:// state backends only (GitHub OIDC, no stored secret); PULUMI_BACKEND_URL is $PULUMI_BACKEND_URL"
    exit 1
    ;;
esac
`;

// --ignore-scripts: no dependency runs code at install time in a job that later reads credentials
// (none of ours needs an install script: the tests run the same tree installed the same way).
const INSTALL_DEPENDENCIES_SCRIPT = "npm ci --ignore-scripts --no-audit --no-fund\n";

// The policy pack runs compiled, as it does once published (policy/bin, git-ignored).
export const BUILD_POLICY_PACK_SCRIPT = `npm --prefix "$POLICY_PACK" run build
`;

/** The project at this commit, its dependencies and Node.js: what a job needs to run one of its CLIs. */
export function projectSteps(): Step[] {
  return [
    checkout(),
    { name: "Set up Node.js", uses: ACTIONS.setupNode, with: { "node-version": NODE_VERSION } },
    run("Install dependencies", INSTALL_DEPENDENCIES_SCRIPT),
  ];
}

/** The project and the Pulumi CLI; the policy pack when the job enforces it. Credentials come later: backendCredentials. */
export function engineSteps(options: { policyPack: boolean } = { policyPack: true }): Step[] {
  return [
    run("Require a shared state backend", BACKEND_GUARD_SCRIPT),
    ...projectSteps(),
    ...(options.policyPack ? [run("Build the policy pack", BUILD_POLICY_PACK_SCRIPT)] : []),
    installPulumiCli(),
  ];
}

/**
 * State backend credentials for `stateRole`. Place it right before the step that opens the state:
 * GitHub's ID token expires five minutes after it is issued, and the AWS SDK exchanges it only when
 * Pulumi first reads the bucket, so a slow step in between would leave an expired token.
 */
export function backendCredentials(stateRole: string): Step {
  return run("State backend credentials", BACKEND_CREDENTIALS_SCRIPT, { env: { STATE_ROLE: stateRole } });
}
