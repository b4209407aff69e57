// Typed references to what a workflow reads from outside a step: secrets, variables, step outputs
// and job outputs. Builders never spell `${{ secrets.X }}` or `needs.J.outputs.O` by hand: they
// pass the declaration (a renamed secret is then a compile error) and these functions render the
// text. What the types cannot see (which environment holds a secret, which step declares an
// output) render.ts checks through reference-check.ts before anything is written.
import { SecretDeclaration, Step } from "./model";

export function secret(declaration: SecretDeclaration): string {
  return `\${{ secrets.${declaration.name} }}`;
}

export function variable(name: string): string {
  return `\${{ vars.${name} }}`;
}

/** A step whose outputs later steps of the job, and the job's own outputs, read by name. */
export interface StepWithOutputs<O extends string> {
  /** The step, carrying its id and the names of the outputs it writes to $GITHUB_OUTPUT. */
  readonly step: Step;
  /** `${{ steps.ID.outputs.O }}` for each output. */
  readonly outputs: Readonly<Record<O, string>>;
}

/** Declares the outputs `step` writes; reading one it does not declare is a compile error. */
export function withOutputs<O extends string>(step: Step, names: readonly O[]): StepWithOutputs<O> {
  if (step.id === undefined) throw new Error(`step "${step.name}" declares outputs but has no id to read them by`);
  const outputs = Object.fromEntries(names.map((n) => [n, `\${{ steps.${step.id}.outputs.${n} }}`])) as Record<O, string>;
  return { step: { ...step, outputs: names }, outputs };
}

/** The outputs of job `jobId`, as the job declares them and as the jobs that need it read them. */
export interface JobOutputs<O extends string> {
  /** The job's `outputs:` map. */
  readonly declared: Readonly<Record<O, string>>;
  /** `${{ needs.JOB.outputs.O }}`, for env and with values. */
  readonly expressions: Readonly<Record<O, string>>;
  /** `needs.JOB.outputs.O`, for `if:` conditions (which are expressions already). */
  readonly paths: Readonly<Record<O, string>>;
}

export function jobOutputs<O extends string>(jobId: string, declared: Readonly<Record<O, string>>): JobOutputs<O> {
  const names = Object.keys(declared) as O[];
  const paths = Object.fromEntries(names.map((n) => [n, `needs.${jobId}.outputs.${n}`])) as Record<O, string>;
  const expressions = Object.fromEntries(names.map((n) => [n, `\${{ ${paths[n]} }}`])) as Record<O, string>;
  return { declared, expressions, paths };
}
