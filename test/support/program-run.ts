// The program evaluated under mocks, once per test process and stack: the example platform stack
// with a sentinel value for every secret, and the example release stack (which has none). Every
// test that needs a resource graph shares these evaluations; evaluateProgram runs them one at a time.
import * as path from "node:path";
import { OPTIONAL_SECRET_KEYS, SECRET_KEYS } from "../../config/stack";
import { Evaluation, RecordedResource, evaluateProgram } from "../../scripts/offline/evaluate";

export const PROJECT_DIR = path.resolve(__dirname, "..", "..");

/** A secret value that must never appear in plaintext anywhere the program writes. */
export function sentinel(key: string): string {
  return `SENTINEL-${key}-7f3a9c1e`;
}
export const SENTINEL_PATTERN = /SENTINEL-[A-Za-z]+-7f3a9c1e/;

let run: Promise<Evaluation> | undefined;
let releaseRun: Promise<Evaluation> | undefined;

export function exampleProgram(): Promise<Evaluation> {
  run ??= evaluateProgram({
    projectDir: PROJECT_DIR,
    stack: "example",
    overrides: Object.fromEntries([...Object.keys(SECRET_KEYS), ...Object.keys(OPTIONAL_SECRET_KEYS)].map((k) => [k, sentinel(k)])),
  });
  return run;
}

/** The example release stack (Pulumi.example-release.yaml): the Promotion, IaItem and SiteRelease. */
export function exampleReleaseProgram(): Promise<Evaluation> {
  releaseRun ??= evaluateProgram({ projectDir: PROJECT_DIR, stack: "example-release" });
  return releaseRun;
}

export function resourcesOfType(evaluation: Evaluation, type: string): RecordedResource[] {
  return evaluation.resources.filter((r) => r.type === type);
}

export function resourceNamed(evaluation: Evaluation, name: string): RecordedResource {
  const found = evaluation.resources.find((r) => r.name === name);
  if (!found) throw new Error(`no resource named ${name}; have: ${evaluation.resources.map((r) => r.name).join(", ")}`);
  return found;
}
