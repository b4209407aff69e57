// IA S3 keys: from an ia.ini file (`[s3] access=, secret=`, the `ia` client's format, which the
// workflow already writes for `ia`) or from IA_ACCESS_KEY / IA_SECRET_KEY read at call time.
import * as fs from "node:fs";
import { ProviderError } from "../provider-error";

export interface IaCredentials {
  readonly access: string;
  readonly secret: string;
}

/** Parses the `[s3]` section of an ia.ini text; `source` names the file in errors. */
export function parseIaConfig(text: string, source: string): IaCredentials {
  let section = "";
  const s3: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1].trim();
      continue;
    }
    const eq = line.indexOf("=");
    if (eq > 0 && section === "s3") s3[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  if (!s3.access || !s3.secret) {
    throw new ProviderError(
      `${source}: expected an [s3] section with access = ... and secret = ... (IA keys from https://archive.org/account/s3.php)`,
      "IaConfigError",
    );
  }
  return { access: s3.access, secret: s3.secret };
}

export function readIaConfigFile(path: string): IaCredentials {
  let text: string;
  try {
    text = fs.readFileSync(path, "utf8");
  } catch (err) {
    throw new ProviderError(`cannot read IA config file ${path}: ${(err as Error).message}`, "IaConfigError");
  }
  return parseIaConfig(text, path);
}

/** IA_ACCESS_KEY / IA_SECRET_KEY, or undefined when either is unset. */
export function credentialsFromEnv(env: NodeJS.ProcessEnv = process.env): IaCredentials | undefined {
  return env.IA_ACCESS_KEY && env.IA_SECRET_KEY ? { access: env.IA_ACCESS_KEY, secret: env.IA_SECRET_KEY } : undefined;
}
