// What the types of references.ts cannot see, checked before a workflow is rendered: a secret is
// read only by a job of the environment that holds it, every secret and variable is declared by
// the repository's contract (a rename in components/github fails here, not on GitHub), and every
// step or job output read is declared by a step that runs earlier or a job the reader needs.
import { Job, RepositoryContract, Step, Workflow } from "./model";

/** One reference found in a workflow value. */
type Reference =
  | { readonly kind: "secret" | "variable"; readonly name: string }
  | { readonly kind: "step"; readonly id: string; readonly output?: string }
  | { readonly kind: "job"; readonly id: string; readonly output?: string }
  /** `secrets.` or `vars.` without a name after it: an object spliced into a template, say. */
  | { readonly kind: "malformed"; readonly text: string };

const EXPRESSION = /\$\{\{(.*?)\}\}/g;
const REFERENCE =
  /\b(?:(secrets|vars)\.(?:([A-Za-z_][A-Za-z0-9_]*)|(\S*))|(steps|needs)\.([A-Za-z_][A-Za-z0-9_-]*)\.(?:outputs\.([A-Za-z_][A-Za-z0-9_-]*)|\w+))/g;

/** The references in `value`: inside `${{ }}` only, or anywhere when `value` is an `if:` condition. */
export function referencesIn(value: string, condition = false): Reference[] {
  const expressions = condition ? [value] : [...value.matchAll(EXPRESSION)].map((m) => m[1]);
  return expressions.flatMap((text) =>
    [...text.matchAll(REFERENCE)].map(([whole, store, name, junk, scope, id, output]): Reference => {
      if (store && junk !== undefined) return { kind: "malformed", text: whole };
      if (store) return { kind: store === "secrets" ? "secret" : "variable", name };
      return { kind: scope === "steps" ? "step" : "job", id, output };
    }),
  );
}

/** Every reference problem of `workflow`, each naming job, step and what to do. */
export function referenceProblems(workflow: Workflow): string[] {
  const problems: string[] = [];
  for (const [id, job] of Object.entries(workflow.jobs)) {
    const check = (where: string, values: readonly string[], steps: readonly Step[], condition = false) => {
      for (const value of values)
        for (const ref of referencesIn(value, condition)) {
          const problem = referenceProblem(ref, workflow, job, steps);
          if (problem) problems.push(`job ${id}${where}: ${problem}`);
        }
    };
    check("", [...Object.values(job.env ?? {}), job.concurrency?.group ?? "", job.name ?? ""], []);
    check("", job.if ? [job.if] : [], [], true);
    check(" outputs", Object.values(job.outputs ?? {}), job.steps);
    job.steps.forEach((step, i) => {
      const where = ` step ${i + 1} "${step.name}"`;
      const earlier = job.steps.slice(0, i);
      check(where, [...Object.values(step.env ?? {}), ...Object.values(step.with ?? {}).map(String)], earlier);
      check(where, step.if ? [step.if] : [], earlier, true);
    });
  }
  for (const value of Object.values(workflow.env ?? {}))
    for (const ref of referencesIn(value)) {
      if (ref.kind === "malformed") problems.push(`env: "${ref.text}" names no secret or variable`);
      else if (ref.kind === "step" || ref.kind === "job") problems.push(`env: ${ref.kind}s are not in scope at the workflow level`);
      else if (ref.kind === "secret") problems.push(`env: secret ${ref.name} at the workflow level reaches every job; give it to the one job that needs it`);
      else problems.push(...storeProblem(ref, workflow.contract, undefined));
    }
  return problems.map((p) => `references: ${p}`);
}

function referenceProblem(ref: Reference, workflow: Workflow, job: Job, steps: readonly Step[]): string | undefined {
  if (ref.kind === "step") {
    const step = steps.find((s) => s.id === ref.id);
    if (!step) return `reads step ${ref.id}, which is not an earlier step of this job`;
    if (ref.output !== undefined && !(step.outputs ?? []).includes(ref.output)) {
      return `reads output ${ref.output} of step ${ref.id}, which declares ${list(step.outputs)} (withOutputs in references.ts)`;
    }
    return undefined;
  }
  if (ref.kind === "malformed") return `"${ref.text}" names no secret or variable; build it with secret() or variable()`;
  if (ref.kind === "job") {
    if (!(job.needs ?? []).includes(ref.id)) return `reads job ${ref.id}, which is not in its needs`;
    const declared = Object.keys(workflow.jobs[ref.id]?.outputs ?? {});
    if (ref.output !== undefined && !declared.includes(ref.output)) return `reads output ${ref.output} of job ${ref.id}, which declares ${list(declared)}`;
    return undefined;
  }
  return storeProblem(ref, workflow.contract, job.environment)[0];
}

function storeProblem(ref: { kind: "secret" | "variable"; name: string }, contract: RepositoryContract | undefined, environment: string | undefined): string[] {
  if (!contract) return [`${ref.kind} ${ref.name} is read, but the workflow names no repository contract`];
  if (ref.kind === "variable") {
    return Object.values(contract.variables).includes(ref.name) ? [] : [`variable ${ref.name} is not declared by ${contract.repository}`];
  }
  const declaration = Object.values(contract.secrets).find((s) => s.name === ref.name);
  if (!declaration) return [`secret ${ref.name} is not declared by ${contract.repository}`];
  if (declaration.environment !== undefined && declaration.environment !== environment) {
    return [`secret ${ref.name} is held by environment ${declaration.environment}; the job runs in ${environment ?? "no environment"}`];
  }
  return [];
}

function list(names: readonly string[] | undefined): string {
  return names?.length ? names.join(", ") : "none";
}
