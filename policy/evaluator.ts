// Runs the pack over resources.json entries the way the analyzer server does (same enforcement
// level resolution, same args shape, same per-policy config), but in process and without gRPC:
// `npm run synth` writes DIR/policy.json with it and `npm run policy` prints it.
import { EnforcementLevel, PolicyResource, ResourceValidationArgs, StackValidationArgs } from "@pulumi/policy";
import { PACK_NAME, policies as packPolicies } from "./policies";
import { nearestName } from "../grammar/nearest-name";

/** One resources.json entry (docs/contracts.md), with the resource options synth records. */
export interface PolicedResource {
  readonly type: string;
  readonly name: string;
  readonly parent?: string;
  readonly inputs: Record<string, unknown>;
  readonly options?: { readonly protect?: boolean; readonly retainOnDelete?: boolean; readonly additionalSecretOutputs?: string[] };
}

export interface Violation {
  readonly policyName: string;
  readonly enforcementLevel: "advisory" | "mandatory";
  /** Name of the resource the violation is about; absent for stack-wide findings. */
  readonly resource?: string;
  readonly type?: string;
  readonly message: string;
}

export interface PolicyReport {
  readonly pack: string;
  readonly policies: string[];
  readonly mandatory: number;
  readonly advisory: number;
  readonly violations: Violation[];
}

/** Per-policy config as `pulumi preview --policy-pack-config` takes it. */
export type PackConfig = Record<string, { enforcementLevel?: EnforcementLevel; [key: string]: unknown } | EnforcementLevel>;

class NotApplicable extends Error {}

/** A policy pack config that names no policy, sets no valid level or misspells a setting: exit 2. */
export class PackConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PackConfigError";
  }
}

const LEVELS = ["advisory", "mandatory", "remediate", "disabled"];

interface SchemaProperty {
  readonly type?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly enum?: readonly unknown[];
}

/**
 * Every mistake in a pack config, one line each: an unknown policy name, an invalid
 * enforcementLevel, a setting the policy does not declare, a value of the wrong type or range.
 * A typo must never turn a check off silently (a misspelt policy would just not be configured).
 */
export function packConfigErrors(config: unknown, policies: readonly { name: string; configSchema?: unknown }[] = packPolicies): string[] {
  if (typeof config !== "object" || config === null || Array.isArray(config))
    return ["expected an object of policy name -> {enforcementLevel?, ...settings} or a level"];
  const errors: string[] = [];
  const names = policies.map((p) => p.name);
  for (const [name, entry] of Object.entries(config)) {
    const policy = policies.find((p) => p.name === name);
    if (!policy) {
      const near = nearestName(name, names);
      errors.push(`unknown policy "${name}"${near ? `; did you mean "${near}"?` : ""} (policies: ${names.join(", ")})`);
      continue;
    }
    if (typeof entry === "string") {
      if (!LEVELS.includes(entry)) errors.push(`${name}: enforcement level "${entry}" is not one of ${LEVELS.join(", ")}`);
      continue;
    }
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
      errors.push(`${name}: ${JSON.stringify(entry)} is neither an enforcement level nor an object of settings`);
      continue;
    }
    const properties = (policy.configSchema as { properties?: Record<string, SchemaProperty> } | undefined)?.properties ?? {};
    for (const [key, value] of Object.entries(entry as Record<string, unknown>)) {
      if (key === "enforcementLevel") {
        if (typeof value !== "string" || !LEVELS.includes(value))
          errors.push(`${name}.enforcementLevel: ${JSON.stringify(value)} is not one of ${LEVELS.join(", ")}`);
        continue;
      }
      const schema = properties[key];
      if (!schema) {
        const known = Object.keys(properties);
        const near = nearestName(key, known);
        errors.push(
          `${name}: unknown setting "${key}"${near ? `; did you mean "${near}"?` : ""} (${known.length > 0 ? `settings: enforcementLevel, ${known.join(", ")}` : "it takes only enforcementLevel"})`,
        );
        continue;
      }
      const problem = schemaProblem(value, schema);
      if (problem) errors.push(`${name}.${key}: ${JSON.stringify(value)} ${problem}`);
    }
  }
  return errors;
}

function schemaProblem(value: unknown, schema: SchemaProperty): string | undefined {
  if ((schema.type === "number" || schema.type === "integer") && (typeof value !== "number" || !Number.isFinite(value))) return `is not a number`;
  if (schema.type === "integer" && !Number.isInteger(value)) return "is not a whole number";
  if (schema.type === "string" && typeof value !== "string") return "is not a string";
  if (schema.type === "boolean" && typeof value !== "boolean") return "is not true or false";
  if (schema.minimum !== undefined && typeof value === "number" && value < schema.minimum) return `is below the minimum ${schema.minimum}`;
  if (schema.maximum !== undefined && typeof value === "number" && value > schema.maximum) return `is above the maximum ${schema.maximum}`;
  if (schema.enum && !schema.enum.includes(value)) return `is not one of ${schema.enum.map((e) => JSON.stringify(e)).join(", ")}`;
  return undefined;
}

export async function analyzeResources(resources: readonly PolicedResource[], config: PackConfig = {}, policies = packPolicies): Promise<PolicyReport> {
  const configErrors = packConfigErrors(config, policies);
  if (configErrors.length > 0) throw new PackConfigError(`policy pack config: ${configErrors.join("; ")}`);
  const urnOf = (r: PolicedResource) => `urn:pulumi:offline::margine-pipeline::${r.type}::${r.name}`;
  const byUrn = new Map(resources.map((r) => [urnOf(r), r]));
  const violations: Violation[] = [];
  const notApplicable = (reason?: string): never => {
    throw new NotApplicable(reason);
  };

  for (const policy of policies) {
    const entry = config[policy.name];
    const settings = typeof entry === "string" ? { enforcementLevel: entry } : (entry ?? {});
    const { enforcementLevel: configured, ...policyConfig } = settings;
    const level = configured ?? policy.enforcementLevel ?? "mandatory";
    if (level === "disabled") continue;
    const reported: "advisory" | "mandatory" = level === "advisory" ? "advisory" : "mandatory";
    const getConfig = <T extends object>() => policyConfig as T;
    const report = (about: PolicedResource | undefined) => (message: string, urn?: string) => {
      const target = urn ? (byUrn.get(urn) ?? about) : about;
      violations.push({ policyName: policy.name, enforcementLevel: reported, ...(target ? { resource: target.name, type: target.type } : {}), message });
    };
    try {
      if ("validateResource" in policy && policy.validateResource) {
        const validations = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource];
        for (const r of resources) {
          const args = { ...policyResource(r, urnOf(r)), stackTags: new Map(), getConfig, notApplicable } as unknown as ResourceValidationArgs;
          for (const validate of validations) await ignoreNotApplicable(validate(args, report(r)));
        }
      } else if ("validateStack" in policy) {
        const args: StackValidationArgs = {
          resources: resources.map((r) => policyResource(r, urnOf(r))),
          getConfig,
          notApplicable,
          stackTags: new Map(),
        } as unknown as StackValidationArgs;
        await ignoreNotApplicable(policy.validateStack(args, report(undefined)));
      }
    } catch (e) {
      throw new Error(`policy ${policy.name} failed: ${(e as Error).message}`, { cause: e });
    }
  }
  return {
    pack: PACK_NAME,
    policies: policies.map((p) => p.name),
    mandatory: violations.filter((v) => v.enforcementLevel === "mandatory").length,
    advisory: violations.filter((v) => v.enforcementLevel === "advisory").length,
    violations,
  };
}

async function ignoreNotApplicable(result: unknown): Promise<void> {
  try {
    await result;
  } catch (e) {
    if (!(e instanceof NotApplicable)) throw e;
  }
}

/** The shape the analyzer server gives policies, with the options resources.json recorded. */
function policyResource(r: PolicedResource, urn: string): PolicyResource {
  return {
    type: r.type,
    name: r.name,
    urn,
    props: structuredClone(r.inputs),
    opts: {
      protect: r.options?.protect ?? false,
      retainOnDelete: r.options?.retainOnDelete ?? false,
      ignoreChanges: [],
      aliases: [],
      customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
      additionalSecretOutputs: r.options?.additionalSecretOutputs ?? [],
    },
    dependencies: [],
    propertyDependencies: {},
    isType: () => false,
    asType: () => undefined,
  } as unknown as PolicyResource;
}

/** Checks a parsed resources.json; returns its entries or throws naming the first bad entry. */
export function resourceEntries(data: unknown, file: string): PolicedResource[] {
  if (!Array.isArray(data)) throw new Error(`${file}: expected a JSON array of {type, name, parent?, inputs} (synth's resources.json)`);
  for (const [i, r] of data.entries()) {
    const ok =
      typeof r === "object" &&
      r !== null &&
      typeof r.type === "string" &&
      typeof r.name === "string" &&
      typeof r.inputs === "object" &&
      r.inputs !== null &&
      !Array.isArray(r.inputs) &&
      (r.parent === undefined || typeof r.parent === "string") &&
      (r.options === undefined || (typeof r.options === "object" && r.options !== null));
    if (!ok)
      throw new Error(
        `${file}: entry [${i}] ${JSON.stringify(r).slice(0, 120)} is not {type: string, name: string, parent?: string, inputs: object, options?: object}`,
      );
  }
  return data as PolicedResource[];
}

/** One line per violation, mandatory first: what the CLI and synth print. */
export function formatViolations(report: PolicyReport): string[] {
  const order = [...report.violations].sort((a, b) => (a.enforcementLevel === b.enforcementLevel ? 0 : a.enforcementLevel === "mandatory" ? -1 : 1));
  return order.map((v) => `${v.enforcementLevel.padEnd(9)} ${v.policyName}: ${v.message}`);
}
