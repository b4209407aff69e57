// Reads Pulumi.<stack>.yaml into the flat string map the Pulumi runtime expects, and fills what
// only the operator can supply (secrets, the pinned host key) with placeholders for offline runs.
import * as fs from "node:fs";
import * as path from "node:path";
import { OPERATOR_KEYS, OPTIONAL_SECRET_KEYS, PROJECT, SECRET_KEYS } from "../../config/stack";
import { parseStackRole, STACK_ROLE_KEY, StackRole } from "../../config/stack-role";
import { parseStackFile } from "../../config/stack-file";

export interface OfflineConfig {
  /** `project:key` -> value, objects as JSON text (what pulumi.Config.getObject parses). */
  readonly values: Record<string, string>;
  /** Keys whose values are secret. */
  readonly secretKeys: string[];
  /** One line per placeholder used, for the operator. */
  readonly warnings: string[];
  readonly role: StackRole;
}

/** A syntactically valid host key that is obviously not a real one. */
export const PLACEHOLDER_HOST_KEY = `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${"0".repeat(42)}`;

/** Placeholders for operator keys that are not host keys: valid in form, obviously not real (RFC 5737). */
const OPERATOR_PLACEHOLDERS: Record<string, string> = { edgeAddress: "192.0.2.1", toolsRef: "0".repeat(40) };

export function stackFilePath(projectDir: string, stack: string): string {
  return path.join(projectDir, `Pulumi.${stack}.yaml`);
}

/**
 * `overrides` replace file values (tests use them to inject sentinel secrets); `secure:` values
 * cannot be decrypted offline and count as missing.
 */
export function readOfflineConfig(projectDir: string, stack: string, overrides: Record<string, unknown> = {}): OfflineConfig {
  const file = stackFilePath(projectDir, stack);
  if (!fs.existsSync(file)) throw new Error(`no stack file ${file}; expected Pulumi.${stack}.yaml next to Pulumi.yaml`);
  const doc = parseStackFile(fs.readFileSync(file, "utf8"), file);
  const raw: Record<string, unknown> = { ...(doc.config ?? {}) };
  for (const [key, value] of Object.entries(overrides)) raw[key.includes(":") ? key : `${PROJECT}:${key}`] = value;

  const role = parseStackRole(raw[`${PROJECT}:${STACK_ROLE_KEY}`], `${PROJECT}:${STACK_ROLE_KEY}`);
  const values: Record<string, string> = {};
  const warnings: string[] = [];
  for (const [key, value] of Object.entries(raw)) {
    if (isSecure(value)) {
      // A release stack refuses secrets (config/release-stack.ts): keep the key so it is seen.
      if (role === "release") values[key] = "[secure value]";
      continue;
    }
    values[key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  // The release stack needs no secret and no operator value: nothing to fill in.
  if (role === "release") {
    const secure = Object.entries(raw)
      .filter(([, v]) => isSecure(v))
      .map(([k]) => k);
    return { values, secretKeys: secure, warnings, role };
  }
  const secretKeys = [...Object.keys(SECRET_KEYS), ...Object.keys(OPTIONAL_SECRET_KEYS)].map((k) => `${PROJECT}:${k}`);
  for (const [key, purpose] of Object.entries(SECRET_KEYS)) {
    const full = `${PROJECT}:${key}`;
    if (values[full] === undefined) {
      values[full] = `[placeholder ${key}]`;
      warnings.push(
        `secret ${full} is not set (or cannot be decrypted offline); using a placeholder. Set it with: pulumi config set --secret ${key}  # ${purpose}`,
      );
    }
  }
  for (const [key, purpose] of Object.entries(OPERATOR_KEYS)) {
    const full = `${PROJECT}:${key}`;
    if (values[full] === undefined) {
      values[full] = OPERATOR_PLACEHOLDERS[key] ?? PLACEHOLDER_HOST_KEY;
      warnings.push(`${full} is not set; using a placeholder. Set it with: pulumi config set ${key} "..."  # ${purpose}`);
    }
  }
  return { values, secretKeys, warnings, role };
}

function isSecure(value: unknown): boolean {
  return typeof value === "object" && value !== null && "secure" in value;
}
