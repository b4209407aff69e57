// A generated GitHub Actions workflow as the workflow policies read it: parsed with `yaml`, every
// job, step, `uses:` and `run:` with the line it sits on, so a violation can say "build.yml line 42".
import { LineCounter, Node, isMap, isScalar, isSeq, parseDocument, YAMLMap } from "yaml";
import { ResourceTypes, isWorkflowPath } from "./resource-types";

export interface WorkflowStep {
  readonly index: number;
  readonly line: number;
  readonly uses?: string;
  readonly run?: string;
  /** Line of the first script line of `run`. */
  readonly runLine: number;
  readonly with: Record<string, unknown>;
}

export interface WorkflowJob {
  readonly id: string;
  readonly line: number;
  /** A job that calls a reusable workflow. */
  readonly uses?: string;
  readonly permissions: unknown;
  readonly timeoutMinutes: unknown;
  readonly env: Record<string, unknown>;
  readonly steps: WorkflowStep[];
}

export interface WorkflowFile {
  readonly path: string;
  readonly triggers: string[];
  readonly triggersLine: number;
  readonly permissions: unknown;
  readonly env: Record<string, unknown>;
  readonly jobs: WorkflowJob[];
}

/** Parses a workflow; throws with the file and line when the YAML itself is broken. */
export function parseWorkflow(path: string, text: string): WorkflowFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    throw new Error(`${path} line ${e.linePos?.[0]?.line ?? "?"}: not valid YAML: ${e.message.split("\n")[0]}`);
  }
  const lineOf = (node: unknown): number => {
    const range = (node as Node | undefined)?.range;
    return range ? lineCounter.linePos(range[0]).line : 1;
  };
  const root = doc.contents;
  if (!isMap(root)) throw new Error(`${path}: a workflow is a YAML mapping`);
  // YAML 1.1 reads a bare `on:` key as the boolean true; the yaml package (YAML 1.2) keeps "on".
  const onPair = root.items.find((p) => isScalar(p.key) && (p.key.value === "on" || p.key.value === true));
  const on = onPair?.value;
  const triggers = isMap(on)
    ? on.items.map((p) => String(isScalar(p.key) ? p.key.value : p.key))
    : isSeq(on)
      ? on.items.map((i) => String(isScalar(i) ? i.value : i))
      : isScalar(on)
        ? [String(on.value)]
        : [];
  const jobsNode = root.get("jobs", true);
  const jobs: WorkflowJob[] = [];
  if (isMap(jobsNode)) {
    for (const pair of jobsNode.items) {
      const job = pair.value;
      if (!isMap(job)) continue;
      jobs.push(readJob(String(isScalar(pair.key) ? pair.key.value : pair.key), job, lineOf(pair.key), lineOf));
    }
  }
  return {
    path,
    triggers,
    triggersLine: lineOf(onPair?.key),
    permissions: plain(root.get("permissions", true)),
    env: (plain(root.get("env", true)) ?? {}) as Record<string, unknown>,
    jobs,
  };
}

function readJob(id: string, job: YAMLMap, line: number, lineOf: (n: unknown) => number): WorkflowJob {
  const stepsNode = job.get("steps", true);
  const steps: WorkflowStep[] = [];
  if (isSeq(stepsNode)) {
    for (const [index, step] of stepsNode.items.entries()) {
      if (!isMap(step)) continue;
      const runNode = step.get("run", true);
      const run = isScalar(runNode) ? String(runNode.value) : undefined;
      // A block scalar (`run: |`) starts on the line after its indicator.
      const block = isScalar(runNode) && (runNode.type === "BLOCK_LITERAL" || runNode.type === "BLOCK_FOLDED");
      const uses = step.get("uses");
      steps.push({
        index,
        line: lineOf(step),
        uses: typeof uses === "string" ? uses : undefined,
        run,
        runLine: lineOf(runNode) + (block ? 1 : 0),
        with: (plain(step.get("with", true)) ?? {}) as Record<string, unknown>,
      });
    }
  }
  const uses = job.get("uses");
  return {
    id,
    line,
    uses: typeof uses === "string" ? uses : undefined,
    permissions: plain(job.get("permissions", true)),
    timeoutMinutes: plain(job.get("timeout-minutes", true)),
    env: (plain(job.get("env", true)) ?? {}) as Record<string, unknown>,
    steps,
  };
}

function plain(node: unknown): unknown {
  if (node === undefined || node === null) return undefined;
  return typeof (node as { toJSON?: unknown }).toJSON === "function" ? (node as { toJSON(): unknown }).toJSON() : node;
}

/** Shell commands of a script with continuation lines joined, each with its first line. */
export function scriptCommands(script: string, firstLine: number): { text: string; line: number }[] {
  const out: { text: string; line: number }[] = [];
  const lines = script.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let text = lines[i];
    while (/\\\s*$/.test(text) && i + 1 < lines.length) text = `${text.replace(/\\\s*$/, " ")}${lines[++i]}`;
    if (text.trim() && !text.trim().startsWith("#")) out.push({ text: text.trim(), line: firstLine + start });
  }
  return out;
}

/** The workflow a RepositoryFile writes; undefined for other resources and files, an Error if broken. */
export function readWorkflow(resource: { type: string; props: Record<string, unknown> }): WorkflowFile | Error | undefined {
  const { file, content } = resource.props;
  if (resource.type !== ResourceTypes.repositoryFile || !isWorkflowPath(file) || typeof content !== "string") return undefined;
  try {
    return parseWorkflow(file, content);
  } catch (e) {
    return e as Error;
  }
}
