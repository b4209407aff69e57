// Handbook 11.3: credentials (SITE_BUMP_TOKEN, IA keys, cosign key, edge deploy key)
// live only in Actions secrets, scoped to environments; a workflow reads `secrets.NAME` and never
// carries the value. So: a secret's value is a Pulumi secret (encrypted in state), and no
// token- or key-looking literal sits in a committed file, a variable or a command script.
import { ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { inputTexts, location, subject } from "./resource-text";
import { REDACTED_SECRET, ResourceTypes } from "./resource-types";

/** Shapes of real credentials; `${{ secrets.X }}` references and placeholders do not match. */
const SECRET_LITERALS: readonly { kind: string; pattern: RegExp }[] = [
  { kind: "a private key", pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----/g },
  { kind: "a GitHub token", pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})\b/g },
  { kind: "an AWS access key", pattern: /\bAKIA[0-9A-Z]{16}\b/g },
  { kind: "an Internet Archive S3 key (ia.ini)", pattern: /^\s*(?:access|secret)\s*=\s*[A-Za-z0-9]{12,}\s*$/gm },
  { kind: "a credential in a URL", pattern: /\bhttps?:\/\/[^\s:/@]+:[^\s@/$]{6,}@/g },
];

export function secretLiteralKinds(text: string): { kind: string; index: number }[] {
  return SECRET_LITERALS.flatMap(({ kind, pattern }) => [...text.matchAll(pattern)].map((m) => ({ kind, index: m.index! })));
}

/**
 * Whether input `key` is secret. The analyzer hands policies secret values already unwrapped, so there
 * the proof is the resource option `additionalSecretOutputs` (which makes the engine encrypt the
 * value in state); resources.json shows secrets redacted as "[secret]".
 */
export function isSecretInput(args: Pick<ResourceValidationArgs, "props" | "opts">, key: string): boolean {
  return args.props[key] === REDACTED_SECRET || (args.opts.additionalSecretOutputs ?? []).includes(key);
}

const SECRET_TYPES: readonly string[] = [ResourceTypes.actionsSecret, ResourceTypes.actionsEnvironmentSecret];
/**
 * Inputs that are published or run in the clear: committed files, variables, command scripts. A
 * Command's stdin and connection are where secret data belongs (and the analyzer shows secrets
 * unwrapped, so scanning them would flag the very keys that are correctly secret).
 */
const PLAINTEXT_INPUTS: Readonly<Record<string, readonly string[]>> = {
  [ResourceTypes.repositoryFile]: ["content"],
  [ResourceTypes.actionsVariable]: ["value"],
  [ResourceTypes.remoteCommand]: ["create", "update", "delete"],
};

export const secretsStaySecret: ResourceValidationPolicy = {
  name: "secrets-stay-secret",
  description: "Actions secret values are Pulumi secrets; no token or private key literal in committed files, variables or command scripts.",
  enforcementLevel: "mandatory",
  severity: "critical",
  validateResource: async (args, reportViolation) => {
    const where = subject(args);
    if (SECRET_TYPES.includes(args.type)) {
      const name = String(args.props.secretName);
      for (const key of ["plaintextValue"]) {
        if (args.props[key] !== undefined) reportViolation(`${where}: secret ${name} sets the deprecated ${key}; set value (the SDK makes it secret)`);
      }
      if (args.props.value !== undefined && !isSecretInput(args, "value")) {
        reportViolation(
          `${where}: the value of secret ${name} is not a Pulumi secret and would sit in state in plaintext; pass it as pulumi.secret(...) or config.requireSecret("...")`,
        );
      }
    }
    const keys = PLAINTEXT_INPUTS[args.type] ?? [];
    for (const item of await inputTexts(args.props)) {
      if (!keys.includes(item.key)) continue;
      for (const found of secretLiteralKinds(item.text)) {
        reportViolation(
          `${where} ${location(item, found.index)}: looks like ${found.kind} in plaintext; move it to an Actions secret (or stack secret) and reference it, e.g. \${{ secrets.NAME }}`,
        );
      }
    }
  },
};
