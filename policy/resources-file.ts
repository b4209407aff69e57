// resources.json in, policy.json out: the file side of the offline evaluator, shared by
// `npm run policy -- --resources FILE` and synth (which writes DIR/policy.json next to resources.json).
import * as fs from "node:fs";
import { PackConfig, PolicedResource, PolicyReport, analyzeResources, resourceEntries } from "./evaluator";

/** An unreadable or malformed input file: the CLIs exit 2 on it. */
export class ResourcesFileError extends Error {}

export function readJsonFile(file: string, what: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "no such file"
        : code === "EISDIR"
          ? "is a directory, not a file"
          : code === "EACCES"
            ? "permission denied"
            : (code ?? (e as Error).message);
    throw new ResourcesFileError(`${file}: cannot read ${what}: ${why}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ResourcesFileError(`${file}: ${what} is not valid JSON: ${(e as Error).message}`);
  }
}

export function readResourcesFile(file: string): PolicedResource[] {
  try {
    return resourceEntries(readJsonFile(file, "resources.json"), file);
  } catch (e) {
    throw e instanceof ResourcesFileError ? e : new ResourcesFileError((e as Error).message);
  }
}

/** Runs the pack over a resources.json and writes the report as JSON to `outFile`. */
export async function writePolicyReport(resourcesFile: string, outFile: string, config?: PackConfig): Promise<PolicyReport> {
  const report = await analyzeResources(readResourcesFile(resourcesFile), config);
  fs.writeFileSync(outFile, `${JSON.stringify(report, null, 2)}\n`);
  return report;
}
