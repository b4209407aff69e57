// The program evaluated once per test process under mocks, with the example stack and a sentinel
// value for every secret. Every test that needs the resource graph shares this one evaluation:
// the Pulumi runtime and the module cache are global, so a process can run the program only once.
import * as path from "node:path";
import { SECRET_KEYS } from "../../config/stack";
import { Evaluation, RecordedResource, evaluateProgram } from "../../scripts/offline/evaluate";

export const PROJECT_DIR = path.resolve(__dirname, "..", "..");

/** A secret value that must never appear in plaintext anywhere the program writes. */
export function sentinel(key: string): string {
  return `SENTINEL-${key}-7f3a9c1e`;
}
export const SENTINEL_PATTERN = /SENTINEL-[A-Za-z]+-7f3a9c1e/;

let run: Promise<Evaluation> | undefined;

export function exampleProgram(): Promise<Evaluation> {
  run ??= evaluateProgram({
    projectDir: PROJECT_DIR,
    stack: "example",
    overrides: Object.fromEntries(Object.keys(SECRET_KEYS).map((k) => [k, sentinel(k)])),
  });
  return run;
}

export function resourcesOfType(evaluation: Evaluation, type: string): RecordedResource[] {
  return evaluation.resources.filter((r) => r.type === type);
}

export function resourceNamed(evaluation: Evaluation, name: string): RecordedResource {
  const found = evaluation.resources.find((r) => r.name === name);
  if (!found) throw new Error(`no resource named ${name}; have: ${evaluation.resources.map((r) => r.name).join(", ")}`);
  return found;
}
