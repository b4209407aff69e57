#!/usr/bin/env node
// npm run synth -- [--stack prod] [--out DIR]
// Evaluates the program offline (no Pulumi CLI, credentials or network) and writes
// DIR/resources.json, DIR/files/<owner>/<repo>/<path> for every RepositoryFile, DIR/edge/ for the
// rendered edge files, DIR/outputs.json (stack outputs, secrets redacted), DIR/policy.json (the policy
// pack over resources.json). Exit 1 on invalid config or a mandatory policy violation.
import * as fs from "node:fs";
import * as path from "node:path";
import { evaluateProgram } from "./offline/evaluate";
import { SynthResult, writeSynthOutput } from "./offline/synth-output";
import { checkOutputDir } from "./offline/output-dir";
import { projectRoot } from "../config/stack-file";
import { parseCommandLine, runCli, UsageError } from "./cli";
import { formatViolations } from "../policy/evaluator";
import { writePolicyReport } from "../policy/resources-file";

const USAGE = "usage: npm run synth -- [--stack prod] [--out DIR]";

runCli(async () => {
  const { values } = parseCommandLine(process.argv.slice(2), { stack: { type: "string", default: "prod" }, out: { type: "string", default: "out" } }, USAGE);
  // The stack files sit beside Pulumi.yaml, wherever this module runs from (scripts/ or dist/scripts/).
  const projectDir = projectRoot(__dirname);
  const stack = values.stack!;
  if (!/^[A-Za-z0-9_.-]+$/.test(stack) || !fs.existsSync(path.join(projectDir, `Pulumi.${stack}.yaml`))) {
    throw new UsageError(`--stack ${stack}: no Pulumi.${stack}.yaml next to Pulumi.yaml; expected one of: ${listStacks(projectDir).join(", ")}`);
  }
  const outDir = path.resolve(values.out!);
  checkOutputDir(outDir);
  const evaluation = await evaluateProgram({ projectDir, stack });
  for (const w of evaluation.warnings) console.error(`warning: ${w}`);
  const result: SynthResult = writeSynthOutput(evaluation, outDir);
  console.log(`synth ${stack}: ${result.resourceCount} resources -> ${path.relative(process.cwd(), result.resourcesFile) || result.resourcesFile}`);
  for (const [type, count] of Object.entries(result.byType).sort()) console.log(`  ${String(count).padStart(3)}  ${type}`);
  console.log(`files written: ${result.files.length}`);
  for (const f of result.files) console.log(`  ${path.relative(process.cwd(), f)}`);
  // The policy pack over what was just synthesized (docs/contracts.md: DIR/policy.json, exit 1 on a mandatory violation).
  const policyFile = path.join(outDir, "policy.json");
  const policy = await writePolicyReport(result.resourcesFile, policyFile);
  console.log(`policy: ${policy.mandatory} mandatory, ${policy.advisory} advisory -> ${path.relative(process.cwd(), policyFile)}`);
  for (const line of formatViolations(policy)) console.error(`  ${line}`);
  if (policy.mandatory > 0) {
    console.error(`error: ${policy.mandatory} mandatory policy violation(s) above; fix them in the stack config or the component that declares the resource`);
    return 1;
  }
  return result.exitCode;
});

function listStacks(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => !!s);
}
