#!/usr/bin/env node
// npm run policy -- --resources FILE [--config FILE] [--json]
// Runs the policy pack (policy/) over a resources.json in synth's format and prints the violations,
// mandatory first. --config takes the per-policy config `pulumi --policy-pack-config` takes, e.g.
// {"stale-stable-critical": {"criticalAfterDays": 14}}. Exit 1 on any mandatory violation, 2 on an
// unreadable or invalid file.
import { PackConfig, analyzeResources, formatViolations, packConfigErrors } from "../policy/evaluator";
import { ResourcesFileError, readJsonFile, readResourcesFile } from "../policy/resources-file";
import { parseCommandLine, runCli, UsageError } from "./cli";

const USAGE = "usage: npm run policy -- --resources FILE [--config FILE] [--json]";

runCli(async () => {
  const { values } = parseCommandLine(
    process.argv.slice(2),
    { resources: { type: "string" }, config: { type: "string" }, json: { type: "boolean", default: false } },
    USAGE,
  );
  if (!values.resources) throw new UsageError("--resources FILE is required (a resources.json written by npm run synth)");
  let resources;
  let config: PackConfig = {};
  try {
    resources = readResourcesFile(values.resources);
    if (values.config) {
      const raw = readJsonFile(values.config, "policy pack config");
      if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
        throw new ResourcesFileError(`${values.config}: expected an object of policy name -> {enforcementLevel?, ...config}`);
      }
      const errors = packConfigErrors(raw);
      if (errors.length > 0) throw new ResourcesFileError(`${values.config}: ${errors.join("; ")}`);
      config = raw as PackConfig;
    }
  } catch (e) {
    if (e instanceof ResourcesFileError) throw new UsageError(e.message);
    throw e;
  }
  const report = await analyzeResources(resources, config);
  if (values.json) {
    console.log(JSON.stringify(report, null, 2));
  } else {
    for (const line of formatViolations(report)) console.log(line);
    console.log(`policy pack ${report.pack}: ${resources.length} resources, ${report.mandatory} mandatory and ${report.advisory} advisory violations`);
  }
  return report.mandatory > 0 ? 1 : 0;
});
