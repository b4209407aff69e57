// Runs the Pulumi program with no engine, CLI, credentials or network: pulumi.runtime.setMocks
// records every resource the program registers. `npm run synth` and the unit tests use it.
// The runtime and the module cache are global: evaluations run one at a time, and each one
// reloads the program's own modules (not node_modules) so that a second stack evaluates afresh.
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import { PROJECT } from "../../config/stack";
import { readOfflineConfig } from "./stack-file";
import { offlineCloudflareInvoke } from "./cloudflare-invokes";

/** Marker the runtime wraps secret values in (docs/protocols.md): the SDK's own constants, not copies. */
const SECRET_SIG = specialSigKey;
const SECRET_VALUE = specialSecretSig;

export interface RecordedResource {
  readonly type: string;
  readonly name: string;
  /** Name of the parent resource, if any. */
  readonly parent?: string;
  /** Inputs as the engine would receive them: secrets still wrapped, `__provider` included. */
  readonly inputs: Record<string, unknown>;
  /** Resource options the policy pack checks (ia-items-retained), present only when set. */
  readonly options?: { readonly protect?: true; readonly retainOnDelete?: true };
}

export interface Evaluation {
  readonly resources: RecordedResource[];
  /** Stack outputs, secrets still wrapped. */
  readonly outputs: Record<string, unknown>;
  readonly warnings: string[];
  /** The `github:owner` the GitHub provider writes with (RepositoryFile inputs name the repo only). */
  readonly githubOwner: string | undefined;
}

/** Values providers compute, so outputs that depend on them resolve under mocks. */
function computedState(type: string, name: string): Record<string, unknown> {
  switch (type) {
    case "tls:index/privateKey:PrivateKey":
      return {
        privateKeyOpenssh: `[generated private key ${name}]`,
        privateKeyPem: `[generated private key ${name}]`,
        publicKeyOpenssh: `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${"A".repeat(42)} ${name}`,
        publicKeyPem: `[generated public key ${name}]`,
      };
    case "tls:index/certRequest:CertRequest":
      return { certRequestPem: `[generated certificate request ${name}]` };
    case "cloudflare:index/originCaCertificate:OriginCaCertificate":
      return { certificate: `[origin certificate Cloudflare issues for ${name}]` };
    case "random:index/randomPassword:RandomPassword":
    case "random:index/randomId:RandomId":
      return { result: `[generated ${name}]`, hex: `[generated ${name}]` };
    default:
      return {};
  }
}

let evaluating: Promise<unknown> = Promise.resolve();

/**
 * Where the program's modules are: the project root under ts-node, dist/ when compiled. The stack
 * files are read from `projectDir` (beside Pulumi.yaml) either way.
 */
const PROGRAM_ROOT = path.resolve(__dirname, "..", "..");

export interface EvaluateOptions {
  readonly projectDir: string;
  readonly stack: string;
  readonly overrides?: Record<string, unknown>;
}

export function evaluateProgram(options: EvaluateOptions): Promise<Evaluation> {
  const run = evaluating.then(() => evaluateOnce(options));
  evaluating = run.catch(() => undefined);
  return run;
}

async function evaluateOnce(options: EvaluateOptions): Promise<Evaluation> {
  forgetProgramModules(PROGRAM_ROOT);
  const config = readOfflineConfig(options.projectDir, options.stack, options.overrides);
  const resources: RecordedResource[] = [];

  pulumi.runtime.setAllConfig(config.values, config.secretKeys);
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const state = { ...args.inputs, ...computedState(args.type, args.name) };
        return { id: `${args.name}-id`, state };
      },
      call(args) {
        // Cloudflare zone lookup and IP ranges: labelled offline values (scripts/offline/cloudflare-invokes.ts).
        const cloudflareAnswer = offlineCloudflareInvoke(args.token, args.inputs);
        if (cloudflareAnswer) return cloudflareAnswer;
        throw new Error(`Mock call not implemented: ${args.token}; add it to scripts/offline/evaluate.ts`);
      },
    },
    PROJECT,
    options.stack,
    false,
  );
  recordRegistrations(resources);

  // require, not import(): under module node16 import() goes through the ESM loader, which does
  // not know .ts files; ts-node's require hook does.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- see above: the ESM loader cannot load .ts
  const program = require(path.join(PROGRAM_ROOT, "index")) as Record<string, unknown>;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- an internal module without a typed export
  await require("@pulumi/pulumi/runtime/settings").waitForRPCs();
  const outputs: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(program)) {
    if (key === "default" || key === "__esModule") continue;
    outputs[key] = await resolveOutput(value);
  }
  return {
    resources: resources.filter((r) => r.type !== "pulumi:pulumi:Stack"),
    outputs,
    warnings: config.warnings,
    githubOwner: config.values["github:owner"],
  };
}

/** Appends every resource the program registers to `resources`, its parent by name. */
function recordRegistrations(resources: RecordedResource[]): void {
  // Parents are known to the mock monitor only by URN: intercept registrations to keep them.
  const urnToName = new Map<string, string>();
  const monitor = (pulumi.runtime as any).getMonitor();
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: any, cb: any) => {
    const type: string = req.getType();
    const name: string = req.getName();
    const parentUrn: string = req.getParent();
    register(req, (err: unknown, res: any) => {
      if (!err && res) {
        urnToName.set(res.getUrn(), name);
        const inputs = req.getObject()?.toJavaScript() ?? {};
        const options = { ...(req.getProtect() ? { protect: true as const } : {}), ...(req.getRetainondelete() ? { retainOnDelete: true as const } : {}) };
        resources.push({
          type,
          name,
          parent: parentUrn ? (urnToName.get(parentUrn) ?? parentUrn) : undefined,
          inputs,
          ...(Object.keys(options).length ? { options } : {}),
        });
      }
      cb(err, res);
    });
  };
}

/** Drops the project's own modules from require's cache so that index.ts runs again. */
function forgetProgramModules(projectDir: string): void {
  const own = path.resolve(projectDir) + path.sep;
  const deps = path.join(own, "node_modules") + path.sep;
  for (const file of Object.keys(require.cache)) {
    if (file.startsWith(own) && !file.startsWith(deps) && !isHarness(own, file)) delete require.cache[file];
  }
}

/** This evaluator and the tests that drive it stay loaded: only the program is reloaded. */
function isHarness(projectDir: string, file: string): boolean {
  const rel = path.relative(projectDir, file).split(path.sep);
  return rel[0] === "test" || (rel[0] === "scripts" && rel[1] === "offline");
}

async function resolveOutput(value: unknown): Promise<unknown> {
  if (!pulumi.Output.isInstance(value)) return value;
  const secret = await pulumi.isSecret(value);
  const resolved = await new Promise((resolve) =>
    (value as pulumi.Output<unknown>).apply((v) => {
      resolve(v);
      return v;
    }),
  );
  return secret ? { [SECRET_SIG]: SECRET_VALUE, value: resolved } : resolved;
}

export function isSecretValue(value: unknown): boolean {
  return typeof value === "object" && value !== null && (value as Record<string, unknown>)[SECRET_SIG] === SECRET_VALUE;
}

/** Replaces every secret value with "[secret]" and drops the serialized provider (docs/contracts.md). */
export function redactSecrets(value: unknown): unknown {
  if (isSecretValue(value)) return "[secret]";
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k]) => k !== "__provider")
        .map(([k, v]) => [k, redactSecrets(v)]),
    );
  }
  return value;
}
