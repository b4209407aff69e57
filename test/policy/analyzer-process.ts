// The policy pack run as the Pulumi engine runs it: the Node.js language host starts
// `node <@pulumi/pulumi found from the pack>/cmd/run-policy-pack <engine-address> <pack dir>` in the
// pack's folder, which loads the compiled main (policy/bin, built by npm run build). Then its
// printed port, and Analyze / AnalyzeStack / Configure over gRPC with @pulumi/pulumi's own analyzer
// client (docs/protocols.md). The folder is policy/ or a pack installed as `pulumi policy publish`
// ships it (test/policy/published-pack.test.ts).
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { PluginProcess, buildIfStale, startPlugin } from "../support/processes";

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the generated gRPC stubs are CommonJS without type declarations
const analyzerGrpc = require("@pulumi/pulumi/proto/analyzer_grpc_pb");
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the generated gRPC stubs are CommonJS without type declarations
const analyzerProto = require("@pulumi/pulumi/proto/analyzer_pb");

const POLICY_DIR = path.resolve(__dirname, "..", "..", "policy");
const LEVELS = ["advisory", "mandatory", "disabled", "remediate"] as const;

/** A resource as the engine describes it to an analyzer. */
export interface EngineResource {
  readonly type: string;
  readonly name: string;
  readonly props: Record<string, unknown>;
  readonly protect?: boolean;
  readonly additionalSecretOutputs?: string[];
}

export interface Diagnostic {
  readonly policyName: string;
  readonly enforcementLevel: (typeof LEVELS)[number];
  readonly message: string;
  readonly urn: string;
}

/** Marker the engine wraps secret values in on the wire. */
export function engineSecret(value: unknown): Record<string, unknown> {
  return { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value };
}

export function urnOf(r: Pick<EngineResource, "type" | "name">): string {
  return `urn:pulumi:prod::margine-pipeline::${r.type}::${r.name}`;
}

export class AnalyzerProcess {
  private constructor(
    private readonly plugin: PluginProcess,
    private readonly client: any,
  ) {}

  /** What the pack printed on stderr. */
  get stderr(): string {
    return this.plugin.stderr();
  }

  static async start(packDir = POLICY_DIR): Promise<AnalyzerProcess> {
    if (packDir === POLICY_DIR) buildIfStale();
    const runPolicyPack = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [packDir] });
    // 127.0.0.1:1: no engine to log to; the pack only serves.
    const plugin = await startPlugin("policy pack", [runPolicyPack, "127.0.0.1:1", packDir], { cwd: packDir, env: process.env });
    const client = new analyzerGrpc.AnalyzerClient(`127.0.0.1:${plugin.port}`, grpc.credentials.createInsecure());
    return new AnalyzerProcess(plugin, client);
  }

  async stop(): Promise<void> {
    this.client.close();
    await this.plugin.stop();
  }

  private call<T>(method: string, req: unknown): Promise<T> {
    return new Promise((resolve, reject) => {
      this.client[method](req, (err: grpc.ServiceError | null, res: T) => (err ? reject(new Error(`${method}: ${err.details || err.message}`)) : resolve(res)));
    });
  }

  /** The policy names and levels the pack declares (what `pulumi policy publish` reads). */
  async info(): Promise<{ name: string; version: string; policies: { name: string; enforcementLevel: string }[] }> {
    const Empty = analyzerGrpc.AnalyzerService.getAnalyzerInfo.requestType;
    const res = await this.call<any>("getAnalyzerInfo", new Empty());
    return {
      name: res.getName(),
      version: res.getVersion(),
      policies: res.getPoliciesList().map((p: any) => ({ name: p.getName(), enforcementLevel: LEVELS[p.getEnforcementlevel()] })),
    };
  }

  /** Per-policy config, as `--policy-pack-config` makes the engine send it. */
  async configure(config: Record<string, { enforcementLevel?: (typeof LEVELS)[number]; [key: string]: unknown }>): Promise<void> {
    const req = new analyzerProto.ConfigureAnalyzerRequest();
    for (const [policy, { enforcementLevel, ...props }] of Object.entries(config)) {
      const pc = new analyzerProto.PolicyConfig();
      pc.setEnforcementlevel(LEVELS.indexOf(enforcementLevel ?? "advisory"));
      pc.setProperties(Struct.fromJavaScript(props as any));
      req.getPolicyconfigMap().set(policy, pc);
    }
    await this.call("configure", req);
  }

  async analyze(r: EngineResource): Promise<Diagnostic[]> {
    return diagnostics(await this.call<any>("analyze", describe(new analyzerProto.AnalyzeRequest(), r)));
  }

  async analyzeStack(resources: readonly EngineResource[]): Promise<Diagnostic[]> {
    const req = new analyzerProto.AnalyzeStackRequest();
    req.setResourcesList(resources.map((r) => describe(new analyzerProto.AnalyzerResource(), r)));
    return diagnostics(await this.call<any>("analyzeStack", req));
  }
}

/** Fills an AnalyzeRequest or an AnalyzerResource (same fields) the way the engine does. */
function describe<T extends Record<string, any>>(message: T, r: EngineResource): T {
  message.setType(r.type);
  message.setName(r.name);
  message.setUrn(urnOf(r));
  message.setProperties(Struct.fromJavaScript(r.props as any));
  message.setOptions(options(r));
  return message;
}

function options(r: EngineResource): unknown {
  // Without options the pack answers "A more recent version of the Pulumi CLI is required".
  const opts = new analyzerProto.AnalyzerResourceOptions();
  opts.setProtect(r.protect ?? false);
  opts.setAdditionalsecretoutputsList(r.additionalSecretOutputs ?? []);
  return opts;
}

function diagnostics(res: any): Diagnostic[] {
  return res.getDiagnosticsList().map((d: any) => ({
    policyName: d.getPolicyname(),
    enforcementLevel: LEVELS[d.getEnforcementlevel()],
    message: d.getMessage(),
    urn: d.getUrn(),
  }));
}
