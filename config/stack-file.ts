// Reads one value from a committed stack file of this project. The platform stack reads the
// release state from the release stack's file, the single source of truth that release pull
// requests edit, rather than from the release stack's state: that works offline (synth, tests)
// and needs no access to the other stack's backend.
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import { ConfigError } from "./errors";
import { yamlErrorText } from "./release-state-editor";

/** A stack file's document; invalid YAML is one line naming the file, the lines and what is wrong. */
export function parseStackFile(text: string, file: string): { config?: Record<string, unknown> } {
  const doc = YAML.parseDocument(text);
  if (doc.errors.length > 0) throw new ConfigError(file, undefined, "valid YAML", yamlErrorText(doc.errors, path.basename(file), text));
  return (doc.toJS() ?? {}) as { config?: Record<string, unknown> };
}

/** The project root: the nearest folder above this module that holds Pulumi.yaml. */
export function projectRoot(from: string = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "Pulumi.yaml"))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no Pulumi.yaml above ${from}`);
  }
}

export function readStackFileValue(stack: string, key: string, root: string = projectRoot()): unknown {
  const file = path.join(root, `Pulumi.${stack}.yaml`);
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new ConfigError(
      key,
      `Pulumi.${stack}.yaml`,
      `a readable stack file ${file} (${(e as NodeJS.ErrnoException).code}); set releaseStack to the release stack's name`,
    );
  }
  return parseStackFile(text, file).config?.[key];
}
