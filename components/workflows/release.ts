// release.yml of this repository (docs/stacks.md, docs/release-flow.md): `pulumi preview` of the
// release stack on every pull request, with the policy pack, the diff posted as a comment (a
// release PR shows `stable sha256:old -> sha256:new`); `pulumi up` on main.
//
// Least privilege: the preview job runs the pull request's own code (index.ts, dependencies,
// dynamic providers), so it holds no secret at all: the release stack has none to decrypt, and the
// registry, IA and the site are read anonymously. Only `up`, from main, in the `release`
// environment, gets the write credentials, as environment variables of the one step that uses them.
import { PIPELINE_ENVIRONMENTS, PIPELINE_SECRETS, PIPELINE_VARIABLES } from "../github/pipeline-repository";
import { ACTIONS, NODE_VERSION } from "./actions";
import { job, RELEASE_STACK_FILE } from "./jobs";
import { Step, Workflow } from "./model";
import { installPulumiCli } from "./pulumi-cli";
import { checkout, downloadArtifact, run, uploadArtifact } from "./steps";

/** The stack release.yml previews and applies (Pulumi.release.yaml). */
export const RELEASE_STACK = "release";

/** The policy pack both preview and up run with: a violation fails the job before anything changes. */
export const POLICY_PACK_DIR = "policy";

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

/** The project, the Pulumi CLI and state backend credentials for `stateRole`; the policy pack when the job enforces it. */
export function engineSteps(stateRole: string, options: { policyPack: boolean } = { policyPack: true }): Step[] {
  return [
    run("Require a shared state backend", BACKEND_GUARD_SCRIPT),
    ...projectSteps(),
    ...(options.policyPack ? [run("Build the policy pack", BUILD_POLICY_PACK_SCRIPT)] : []),
    installPulumiCli(),
    run("State backend credentials", BACKEND_CREDENTIALS_SCRIPT, { env: { STATE_ROLE: stateRole } }),
  ];
}

export const PREVIEW_SCRIPT = `set -o pipefail
pulumi preview --stack "$STACK" --diff --non-interactive --policy-pack "$POLICY_PACK" 2>&1 | tee "$RUNNER_TEMP/preview.txt"
`;

export const UP_SCRIPT = `pulumi up --stack "$STACK" --yes --non-interactive --policy-pack "$POLICY_PACK"
`;

/** The first line of the one preview comment per pull request: how the comment job finds it again. */
export const PREVIEW_COMMENT_MARKER = "<!-- margine-release-preview -->";

// The release notes of the pull request, from what main declares stable to what the pull request
// declares (docs/release-notes.md). They never fail the job: a PR without a stable change, or a
// source that cannot be reached, gets one line saying why instead of notes.
export const NOTES_SCRIPT = `NOTES="$RUNNER_TEMP/release-notes.md"
FULL_NOTES="$RUNNER_TEMP/release-notes-full.md"
BASE_FILE="$RUNNER_TEMP/base-\${STACK_FILE}"
ERRORS="$RUNNER_TEMP/release-notes-errors.txt"
notes() {
  npm run -s release-notes -- --from-stack-file "$BASE_FILE" --to-stack-file "$STACK_FILE" \\
    --github-api "$GITHUB_API_URL" --full-notes-url "$RUN_URL" "$@"
}
if git fetch --quiet --no-tags --depth=1 origin "$BASE_SHA" 2> "$ERRORS" && git show "$BASE_SHA:$STACK_FILE" > "$BASE_FILE" 2>> "$ERRORS" &&
  notes --format summary > "$NOTES" 2>> "$ERRORS" && notes --max-chars 1000000 > "$FULL_NOTES" 2>> "$ERRORS"; then
  echo "Release notes written"
else
  echo "_No release notes for this pull request: $(tail -n 1 "$ERRORS" | sed 's/^error: //')_" > "$NOTES"
  cat "$ERRORS"
fi
`;

// One comment per pull request, edited on every push (a new one per push buries the review):
// found again by its marker among the comments github-actions[bot] wrote, never by its text.
// Plain curl on the REST API, so the tests run this very script against the GitHub stand-in.
export const COMMENT_SCRIPT = `FENCE="$(printf '\\140\\140\\140')"
BODY="$RUNNER_TEMP/preview-comment.md"
{
  echo "${PREVIEW_COMMENT_MARKER}"
  if [[ -s preview/release-notes.md ]]; then cat preview/release-notes.md; echo; fi
  echo "### pulumi preview of stack \${STACK}: \${OUTCOME}"
  echo
  echo "\${FENCE}diff"
  # GitHub caps a comment at 65536 characters: keep the end of the diff, where the summary is.
  tail -c 50000 preview/preview.txt
  echo "\${FENCE}"
} > "$BODY"
api() {
  curl -fsS --max-time 30 -H "Authorization: Bearer $GH_TOKEN" -H "Accept: application/vnd.github+json" \\
    -H "X-GitHub-Api-Version: 2022-11-28" "$@"
}
COMMENTS="$GITHUB_API_URL/repos/$GITHUB_REPOSITORY/issues/$PR_NUMBER/comments"
existing=""
page=1
while [[ -z "$existing" ]]; do
  batch="$(api "$COMMENTS?per_page=100&page=$page")"
  [[ "$(jq length <<< "$batch")" != "0" ]] || break
  existing="$(jq -r --arg marker "${PREVIEW_COMMENT_MARKER}" \\
    'map(select(.user.login == "github-actions[bot]" and (.body | startswith($marker)))) | .[0].id // empty' <<< "$batch")"
  page=$((page + 1))
done
payload="$(jq -n --rawfile body "$BODY" '{body: $body}')"
if [[ -n "$existing" ]]; then
  api -X PATCH "$GITHUB_API_URL/repos/$GITHUB_REPOSITORY/issues/comments/$existing" --data "$payload" > /dev/null
  echo "Updated the preview comment $existing"
else
  api -X POST "$COMMENTS" --data "$payload" > /dev/null
  echo "Posted the preview comment"
fi
`;

export function releaseWorkflow(): Workflow {
  return {
    fileName: "release.yml",
    name: "release",
    header: [
      "Generated by margine-pipeline (components/workflows/release.ts); edits here are overwritten.",
      "GitOps release flow: preview every pull request (the diff is the review), up on main.",
      "Previews hold no secret; only `up`, from main in the release environment, can write.",
    ],
    on: { pullRequest: { branches: ["main"] }, push: { branches: ["main"] }, workflowDispatch: {} },
    permissions: {},
    env: {
      STACK: RELEASE_STACK,
      POLICY_PACK: POLICY_PACK_DIR,
      PULUMI_BACKEND_URL: `\${{ vars.${PIPELINE_VARIABLES.stateBackendUrl} }}`,
      // The release stack holds no secret (a test and the program itself refuse one), so its
      // passphrase is empty by design: nothing any job could leak.
      PULUMI_CONFIG_PASSPHRASE: "",
      PULUMI_SKIP_UPDATE_CHECK: "true",
      // The release stack runs dynamic providers only, whose host ships with the CLI. Without this,
      // the CLI would download, unverified and on every run, the plugin of every Pulumi package in
      // package.json (github, cloudflare, command: the platform stack's), before the preview starts.
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    },
    jobs: {
      preview: job({
        if: "github.event_name == 'pull_request'",
        comment: "Runs the pull request's code: no secret, no environment, no write scope.",
        permissions: { contents: "read", "id-token": "write" },
        timeoutMinutes: 30,
        steps: [
          ...engineSteps(`\${{ vars.${PIPELINE_VARIABLES.stateReadRole} }}`),
          run("Release notes of this pull request", NOTES_SCRIPT, {
            env: {
              BASE_SHA: "${{ github.event.pull_request.base.sha }}",
              STACK_FILE: RELEASE_STACK_FILE,
              RUN_URL: "${{ github.server_url }}/${{ github.repository }}/actions/runs/${{ github.run_id }}",
            },
          }),
          run("pulumi preview", PREVIEW_SCRIPT, { id: "preview" }),
          {
            ...uploadArtifact(
              "preview",
              ["${{ runner.temp }}/preview.txt", "${{ runner.temp }}/release-notes.md", "${{ runner.temp }}/release-notes-full.md"].join("\n"),
              7,
            ),
            if: "always() && steps.preview.outcome != 'skipped'",
          },
        ],
      }),
      comment: job({
        needs: ["preview"],
        if: "always() && github.event_name == 'pull_request' && needs.preview.result != 'skipped'",
        comment: "Posts the preview on the pull request; checks out and runs no pull-request code.",
        permissions: { "pull-requests": "write" },
        timeoutMinutes: 5,
        steps: [
          downloadArtifact("preview", "preview"),
          run("Post the diff on the pull request", COMMENT_SCRIPT, {
            env: { GH_TOKEN: "${{ github.token }}", PR_NUMBER: "${{ github.event.pull_request.number }}", OUTCOME: "${{ needs.preview.result }}" },
          }),
        ],
      }),
      up: job({
        if: "github.event_name != 'pull_request' && github.ref == 'refs/heads/main'",
        comment: "The only job that changes the world: environment release, deployable from main only.",
        environment: PIPELINE_ENVIRONMENTS.release,
        // One queue for the release stack, on this job only: a preview never cancels or queues a
        // deploy, and a deploy is never cancelled halfway (pending operations in the state).
        concurrency: { group: "release-stack", cancelInProgress: false },
        permissions: { contents: "read", "id-token": "write" },
        timeoutMinutes: 60,
        steps: [
          ...engineSteps(`\${{ vars.${PIPELINE_VARIABLES.stateWriteRole} }}`),
          run("pulumi up", UP_SCRIPT, {
            env: {
              REGISTRY_USERNAME: `\${{ vars.${PIPELINE_VARIABLES.registryUsername} }}`,
              REGISTRY_PASSWORD: `\${{ secrets.${PIPELINE_SECRETS.registryPassword} }}`,
              IA_ACCESS_KEY: `\${{ secrets.${PIPELINE_SECRETS.iaAccessKey} }}`,
              IA_SECRET_KEY: `\${{ secrets.${PIPELINE_SECRETS.iaSecretKey} }}`,
              // Optional: without it SiteRelease warns and skips the website bump.
              SITE_BUMP_TOKEN: `\${{ secrets.${PIPELINE_SECRETS.siteBumpToken} }}`,
            },
          }),
        ],
      }),
    },
  };
}
