// Turns an offline evaluation into the files `npm run synth` writes (docs/contracts.md).
import * as fs from "node:fs";
import * as path from "node:path";
import { Evaluation, RecordedResource, isSecretValue, redactSecrets } from "./evaluate";
import { edgeSynthFiles } from "./edge-files";
import { resetOutputDir } from "./output-dir";

/** One entry of resources.json. */
export interface SynthResource {
  readonly type: string;
  readonly name: string;
  readonly parent?: string;
  readonly inputs: Record<string, unknown>;
  /** protect / retainOnDelete when set (the policy pack checks them). */
  readonly options?: RecordedResource["options"];
}

export interface SynthResult {
  readonly resourceCount: number;
  readonly byType: Record<string, number>;
  readonly resourcesFile: string;
  /** Every file written, resources.json included. */
  readonly files: string[];
  readonly exitCode: number;
}

const REPOSITORY_FILE = "github:index/repositoryFile:RepositoryFile";

export function toSynthResources(resources: readonly RecordedResource[]): SynthResource[] {
  return resources.map((r) => ({
    type: r.type,
    name: r.name,
    ...(r.parent ? { parent: r.parent } : {}),
    inputs: redactSecrets(r.inputs) as Record<string, unknown>,
    ...(r.options ? { options: r.options } : {}),
  }));
}

export function writeSynthOutput(evaluation: Evaluation, outDir: string): SynthResult {
  resetOutputDir(outDir);
  const files: string[] = [];
  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    files.push(file);
  };

  const resources = toSynthResources(evaluation.resources);
  const resourcesFile = path.join(outDir, "resources.json");
  write(resourcesFile, `${JSON.stringify(resources, null, 2)}\n`);
  write(path.join(outDir, "outputs.json"), `${JSON.stringify(redactSecrets(evaluation.outputs), null, 2)}\n`);

  for (const r of evaluation.resources.filter((x) => x.type === REPOSITORY_FILE)) {
    const { repository, file, content } = r.inputs as { repository: string; file: string; content: unknown };
    if (isSecretValue(content)) throw new Error(`RepositoryFile ${r.name} has secret content; generated files must not carry secrets`);
    if (!evaluation.githubOwner) throw new Error("github:owner is not set in the stack file; RepositoryFile paths need it");
    const owner = evaluation.githubOwner;
    write(path.join(outDir, "files", owner, repository, file), String(content));
  }

  // Rendered edge VM files (nginx site, index.html, SHA256SUMS, prune units, deploy key line, scripts).
  for (const f of edgeSynthFiles(evaluation.resources)) write(path.join(outDir, "edge", f.path), f.content);

  const byType: Record<string, number> = {};
  for (const r of resources) byType[r.type] = (byType[r.type] ?? 0) + 1;
  return { resourceCount: resources.length, byType, resourcesFile, files, exitCode: 0 };
}
