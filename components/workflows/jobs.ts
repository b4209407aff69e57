// Job builders shared by several workflows.
import { IMAGE_ENVIRONMENTS, IMAGE_SECRETS, IMAGE_VARIABLES } from "../github/image-repository";
import { Job, RunnerLabel, Step } from "./model";
import { secret, variable } from "./references";
import { PIPELINE_DIR, pipelineTools, run, uploadArtifact } from "./steps";

/** The release stack's file, which release pull requests edit (docs/stacks.md). */
export const RELEASE_STACK_FILE = "Pulumi.release.yaml";

/** Every job runs on a versioned runner image; never `ubuntu-latest`. */
export const RUNNER: RunnerLabel = "ubuntu-24.04";

export function job(spec: Omit<Job, "runsOn">): Job {
  return { runsOn: RUNNER, ...spec };
}

export interface ReleasePullRequestOptions {
  readonly needs: readonly string[];
  readonly if?: string;
  /** Values from earlier jobs, validated there; the script reads them as variables. */
  readonly env: Readonly<Record<string, string>>;
  /** The `npm run release-state -- ...` invocation that edits the release stack file (bash, uses env). */
  readonly stateCommand: string;
  /** Branch name, bash double-quoted content (may use env variables). */
  readonly branch: string;
  /** Pull request title, bash double-quoted content. */
  readonly title: string;
  /** Pull request body lines, bash double-quoted content each. */
  readonly body: readonly string[];
  /**
   * Bash that writes release notes (Markdown) to "$NOTES_FILE" before the state is edited: they
   * follow the body lines. A failure leaves a line saying so, never a release PR without a body.
   */
  readonly notesCommand?: string;
  /** Uploaded as the `release-notes` artifact, the complete notes the body links to: "$FULL_NOTES_FILE". */
  readonly fullNotes?: boolean;
  readonly comment: string;
}

/**
 * The release pull request against the pipeline repository (docs/release-flow.md): edit the
 * declared release state with the pipeline's own CLI, commit it to a branch, open the pull request.
 * Pulumi's preview on that pull request is the diff a reviewer approves. Idempotent: a rerun finds
 * the open pull request, or a state that already declares the release, and stops.
 */
export function releasePullRequestJob(options: ReleasePullRequestOptions): Job {
  return job({
    needs: options.needs,
    ...(options.if ? { if: options.if } : {}),
    // The GITHUB_TOKEN of this repository is not used at all: the fine-grained RELEASE_PR_TOKEN
    // (Contents + Pull requests on the pipeline repository only) pushes the branch and opens the PR.
    // It can open a release PR, never merge one: the pipeline's ruleset needs a maintainer's review.
    permissions: {},
    environment: IMAGE_ENVIRONMENTS.releasePr,
    timeoutMinutes: 15,
    comment: options.comment,
    steps: [
      // The pull request's base is the pipeline's current main, so this checkout is main: its CLI
      // is reviewed code (main takes only approved pull requests). No token in the checkout.
      ...pipelineTools("main"),
      run("Open the release pull request", releasePullRequestScript(options), {
        workingDirectory: PIPELINE_DIR,
        env: {
          ...options.env,
          GH_TOKEN: secret(IMAGE_SECRETS.releasePrToken),
          PIPELINE_REPOSITORY: variable(IMAGE_VARIABLES.pipelineRepository),
        },
      }),
      ...(options.fullNotes ? [fullNotesArtifact()] : []),
    ],
  });
}

function releasePullRequestScript(options: ReleasePullRequestOptions): string {
  const body = options.body.map((line) => `  "${line}"`).join(" \\\n");
  return `BRANCH="${options.branch}"
TITLE="${options.title}"
open="$(gh pr list --repo "$PIPELINE_REPOSITORY" --head "$BRANCH" --state open --json number --jq length)"
if [[ "$open" != "0" ]]; then
  echo "::notice::a release pull request from $BRANCH is already open in $PIPELINE_REPOSITORY"
  exit 0
fi
${
  options.notesCommand
    ? `NOTES_FILE="$RUNNER_TEMP/release-notes.md"
FULL_NOTES_FILE="$RUNNER_TEMP/release-notes-full.md"
# Read before the edit below: "stable today" is what the stack file declares now.
if ! { ${options.notesCommand.trim()}; }; then
  echo "Release notes could not be produced: see the job log." > "$NOTES_FILE"
fi
`
    : ""
}${options.stateCommand}
if git diff --quiet -- ${RELEASE_STACK_FILE}; then
  echo "::notice::${RELEASE_STACK_FILE} already declares this release; no pull request needed"
  exit 0
fi
BODY_FILE="$RUNNER_TEMP/release-pr-body.md"
printf '%s\\n' \\
${body} > "$BODY_FILE"
${
  options.notesCommand
    ? `{ echo; cat "$NOTES_FILE"; } >> "$BODY_FILE"
`
    : ""
}git config user.name "github-actions[bot]"
git config user.email "41898282+github-actions[bot]@users.noreply.github.com"
git switch --create "$BRANCH"
git commit --quiet --message "$TITLE" -- ${RELEASE_STACK_FILE}
# The token is handed to git from the environment for this one push, never written to .git/config.
# shellcheck disable=SC2016 # git's own shell expands $GH_TOKEN when it runs the helper
git -c credential.helper='!f() { echo username=x-access-token; echo "password=$GH_TOKEN"; }; f' \
  push --force origin "HEAD:refs/heads/$BRANCH"
gh pr create --repo "$PIPELINE_REPOSITORY" --base main --head "$BRANCH" --title "$TITLE" --body-file "$BODY_FILE"
`;
}

/** The complete notes a release PR body links to; absent when the job stopped before writing them. */
function fullNotesArtifact(): Step {
  const step = uploadArtifact("release-notes", "${{ runner.temp }}/release-notes-full.md", 90);
  return { ...step, if: "always()", with: { ...step.with, "if-no-files-found": "ignore" } };
}
