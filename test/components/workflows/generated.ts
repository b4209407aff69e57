// The generated files, rendered once and parsed, shared by the workflow tests.
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { GeneratedFile, generatedFiles } from "../../../components/workflows/generated-files";
import { PROJECT } from "../../../config/stack";
import { PROJECT_DIR } from "../../support/program-run";

/** config toolsRef as a stack file in the project root holds it; undefined when it sets none. */
export function toolsRefOf(stackFile: string): string | undefined {
  return parse(fs.readFileSync(path.join(PROJECT_DIR, stackFile), "utf8"))?.config?.[`${PROJECT}:toolsRef`];
}

const exampleToolsRef = toolsRefOf("Pulumi.example.yaml");
if (!exampleToolsRef) throw new Error(`Pulumi.example.yaml sets no ${PROJECT}:toolsRef, which the golden files are rendered with`);
/** The tools ref the golden files are rendered with: Pulumi.example.yaml's, read, not copied. */
export const TOOLS_REF: string = exampleToolsRef;

export const FILES = generatedFiles(TOOLS_REF, ["daniel-g-carrasco"]);
export const ALL_FILES: readonly GeneratedFile[] = [...FILES.imageRepository, ...FILES.pipelineRepository];
export const WORKFLOW_FILES = ALL_FILES.filter((f) => f.workflow !== undefined);

/** The parsed YAML of a workflow file as GitHub reads it. */
export interface ParsedStep {
  name: string;
  id?: string;
  if?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
  "working-directory"?: string;
}
export interface ParsedJob {
  needs?: string[];
  if?: string;
  environment?: string;
  permissions?: unknown;
  "timeout-minutes"?: number;
  "runs-on"?: string;
  outputs?: Record<string, string>;
  steps: ParsedStep[];
}
export interface ParsedWorkflow {
  name: string;
  on: Record<string, unknown>;
  permissions: unknown;
  concurrency?: { group: string; "cancel-in-progress": unknown };
  env?: Record<string, string>;
  jobs: Record<string, ParsedJob>;
}

export function parsed(fileName: string): ParsedWorkflow {
  const file = WORKFLOW_FILES.find((f) => f.path === `.github/workflows/${fileName}`);
  if (!file) throw new Error(`no generated workflow ${fileName}; have ${WORKFLOW_FILES.map((f) => f.path).join(", ")}`);
  return parse(file.content) as ParsedWorkflow;
}

export function text(fileName: string): string {
  const file = ALL_FILES.find((f) => f.path.endsWith(`/${fileName}`));
  if (!file) throw new Error(`no generated file ${fileName}`);
  return file.content;
}

export function step(job: ParsedJob, name: string | RegExp): ParsedStep {
  const found = job.steps.find((s) => (typeof name === "string" ? s.name === name : name.test(s.name)));
  if (!found) throw new Error(`no step ${String(name)}; have: ${job.steps.map((s) => s.name).join(" | ")}`);
  return found;
}

/** Every `run:` script of every generated workflow, with where it is. */
export function runScripts(): { where: string; script: string }[] {
  const out: { where: string; script: string }[] = [];
  for (const file of WORKFLOW_FILES) {
    const wf = parse(file.content) as ParsedWorkflow;
    for (const [jobId, job] of Object.entries(wf.jobs)) {
      job.steps.forEach((s) => {
        if (s.run !== undefined) out.push({ where: `${file.path} ${jobId} "${s.name}"`, script: s.run });
      });
    }
  }
  return out;
}
