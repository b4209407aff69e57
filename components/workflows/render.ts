// Renders the workflow model to YAML. The only module that knows GitHub's spelling of the keys.
// It refuses a workflow that breaks a rule the type cannot express (handbook 11.1-11.2 and the
// hardening list in docs/decisions.md), naming the workflow, job and step, before anything is committed.
import { Document, isMap, isScalar, isSeq, Pair, Scalar, YAMLMap, YAMLSeq } from "yaml";
import { Job, Permissions, Step, Triggers, Workflow } from "./model";
import { isCommitSha } from "../../grammar/values";
import { referenceProblems } from "./reference-check";

/** GitHub's hard cap for a job on a hosted runner is 6 hours. */
export const MAX_TIMEOUT_MINUTES = 360;
const RUNNER_LABELS = new Set(["ubuntu-24.04"]);
const RELEASE_VERSION = /^v\d+\.\d+\.\d+$/;
const ID = /^[A-Za-z_][A-Za-z0-9_-]*$/;

export class WorkflowModelError extends Error {}

/** Every rule violation of a workflow, each naming where it is; empty when the workflow is sound. */
export function workflowProblems(workflow: Workflow): string[] {
  const problems: string[] = [];
  const at = (where: string, what: string) => problems.push(`${workflow.fileName} ${where}: ${what}`);
  if (!/^[a-z0-9-]+\.yml$/.test(workflow.fileName)) at("file name", "expected lowercase-name.yml");
  if ("pullRequestTarget" in (workflow.on as Record<string, unknown>)) {
    at("on", "pull_request_target runs fork code with the base repository's secrets; use pull_request");
  }
  permissionProblems(workflow.permissions).forEach((p) => at("permissions", p));
  const jobIds = Object.keys(workflow.jobs);
  if (jobIds.length === 0) at("jobs", "a workflow needs at least one job");
  for (const [id, job] of Object.entries(workflow.jobs)) {
    const where = `job ${id}`;
    if (!ID.test(id)) at(where, "job ids are letters, digits, - and _");
    if (!RUNNER_LABELS.has(job.runsOn)) at(where, `runs-on ${job.runsOn}: use a versioned runner label (ubuntu-24.04)`);
    if (job.permissions === undefined || job.permissions === null) {
      at(where, "permissions is required on every job (least privilege)");
    } else {
      permissionProblems(job.permissions).forEach((p) => at(where, p));
    }
    if (!Number.isInteger(job.timeoutMinutes) || job.timeoutMinutes < 1 || job.timeoutMinutes > MAX_TIMEOUT_MINUTES) {
      at(where, `timeout-minutes ${job.timeoutMinutes}: expected an integer 1-${MAX_TIMEOUT_MINUTES}`);
    }
    for (const need of job.needs ?? []) if (!jobIds.includes(need)) at(where, `needs ${need}, which is not a job of this workflow`);
    if (job.steps.length === 0) at(where, "a job needs at least one step");
    const stepIds = new Set<string>();
    job.steps.forEach((step, i) => {
      stepProblems(step).forEach((p) => at(`${where} step ${i + 1} "${step.name}"`, p));
      if (step.id !== undefined) {
        if (stepIds.has(step.id)) at(`${where} step ${i + 1}`, `step id ${step.id} is used twice`);
        stepIds.add(step.id);
      }
    });
  }
  referenceProblems(workflow).forEach((p) => problems.push(`${workflow.fileName} ${p}`));
  return problems;
}

function permissionProblems(permissions: Permissions): string[] {
  if (typeof permissions === "string") return [`permissions "${permissions}": list each scope the job needs instead`];
  return [];
}

function stepProblems(step: Step): string[] {
  const problems: string[] = [];
  if ((step.uses === undefined) === (step.run === undefined)) problems.push("a step has exactly one of uses and run");
  if (step.id !== undefined && !ID.test(step.id)) problems.push(`step id ${step.id}: letters, digits, - and _`);
  if (step.run !== undefined && step.run.includes("${{")) {
    problems.push("an expression is inlined in the script; pass it through env: (script injection)");
  }
  if (step.uses !== undefined) {
    const { repository, sha, version } = step.uses;
    if (!isCommitSha(sha)) problems.push(`${repository}@${sha}: pin third-party actions to a full 40-hex commit SHA`);
    if (!RELEASE_VERSION.test(version)) problems.push(`${repository}: version comment ${version} should be the release, vX.Y.Z`);
  }
  return problems;
}

/** The workflow as YAML, or WorkflowModelError listing every problem. */
export function renderWorkflow(workflow: Workflow): string {
  const problems = workflowProblems(workflow);
  if (problems.length > 0) throw new WorkflowModelError(`workflow ${workflow.fileName} is not sound:\n- ${problems.join("\n- ")}`);

  const doc = new Document({
    name: workflow.name,
    on: triggersYaml(workflow.on),
    permissions: workflow.permissions,
    ...(workflow.concurrency ? { concurrency: concurrencyYaml(workflow.concurrency) } : {}),
    ...(workflow.env ? { env: workflow.env } : {}),
    // `shell: bash` runs scripts with -eo pipefail: a failing command in a pipe fails the step.
    defaults: { run: { shell: "bash" } },
    jobs: Object.fromEntries(Object.entries(workflow.jobs).map(([id, job]) => [id, jobYaml(job)])),
  });
  doc.commentBefore = workflow.header.map((l) => ` ${l}`.trimEnd()).join("\n");
  decorateJobs(doc, workflow);
  return doc.toString({ lineWidth: 0, minContentWidth: 0, nullStr: "" });
}

function triggersYaml(on: Triggers): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (on.push) out.push = { branches: on.push.branches };
  if (on.pullRequest) out.pull_request = { ...on.pullRequest };
  if (on.schedule) out.schedule = on.schedule;
  if (on.workflowRun) out.workflow_run = { ...on.workflowRun };
  if (on.workflowDispatch) out.workflow_dispatch = null;
  return out;
}

function concurrencyYaml(c: { group: string; cancelInProgress: boolean | string }) {
  return { group: c.group, "cancel-in-progress": c.cancelInProgress };
}

function jobYaml(job: Job): Record<string, unknown> {
  return {
    ...(job.name ? { name: job.name } : {}),
    ...(job.needs?.length ? { needs: job.needs } : {}),
    ...(job.if ? { if: job.if } : {}),
    "runs-on": job.runsOn,
    ...(job.environment ? { environment: job.environment } : {}),
    permissions: job.permissions,
    "timeout-minutes": job.timeoutMinutes,
    ...(job.concurrency ? { concurrency: concurrencyYaml(job.concurrency) } : {}),
    ...(job.outputs ? { outputs: job.outputs } : {}),
    ...(job.env ? { env: job.env } : {}),
    steps: job.steps.map(stepYaml),
  };
}

function stepYaml(step: Step): Record<string, unknown> {
  return {
    name: step.name,
    ...(step.id ? { id: step.id } : {}),
    ...(step.if ? { if: step.if } : {}),
    ...(step.uses ? { uses: `${step.uses.repository}@${step.uses.sha}` } : {}),
    ...(step.with ? { with: step.with } : {}),
    ...(step.env ? { env: step.env } : {}),
    ...(step.workingDirectory ? { "working-directory": step.workingDirectory } : {}),
    ...(step.continueOnError ? { "continue-on-error": true } : {}),
    ...(step.run !== undefined ? { run: step.run.endsWith("\n") ? step.run : `${step.run}\n` } : {}),
  };
}

/** Comments (job notes, timeout incidents, action versions) and block style for scripts. */
function decorateJobs(doc: Document, workflow: Workflow): void {
  const jobs = doc.get("jobs") as YAMLMap;
  for (const pair of jobs.items as Pair<Scalar, YAMLMap>[]) {
    const job = workflow.jobs[String(pair.key.value)];
    if (job.comment) pair.key.commentBefore = commentText(job.comment);
    if (job.timeoutReason) {
      const timeout = pair.value?.items.find((p) => isScalar(p.key) && p.key.value === "timeout-minutes");
      if (timeout && isScalar(timeout.key)) timeout.key.commentBefore = commentText(job.timeoutReason);
    }
    const steps = pair.value?.get("steps") as YAMLSeq<YAMLMap>;
    steps.items.forEach((node, i) => {
      const step = job.steps[i];
      if (!isMap(node)) return;
      if (step.comment) node.commentBefore = commentText(step.comment);
      for (const item of node.items as Pair<Scalar, unknown>[]) {
        if (item.key.value === "uses" && isScalar(item.value) && step.uses) item.value.comment = ` ${step.uses.version}`;
        if (item.key.value === "run" && isScalar(item.value)) item.value.type = Scalar.BLOCK_LITERAL;
        if (item.key.value === "with" && isMap(item.value)) {
          for (const w of item.value.items) {
            if (isScalar(w.value) && typeof w.value.value === "string" && w.value.value.includes("\n")) w.value.type = Scalar.BLOCK_LITERAL;
          }
        }
      }
    });
    if (!isSeq(steps)) throw new WorkflowModelError(`${workflow.fileName} job ${String(pair.key.value)}: steps did not render as a list`);
  }
}

function commentText(text: string): string {
  return text
    .split("\n")
    .map((l) => ` ${l}`.trimEnd())
    .join("\n");
}
