// Drives a dynamic provider exactly as the Pulumi engine does: the provider is serialized with the
// same closure serializer `dynamic.Resource` uses, and every call goes over gRPC to the real
// dynamic-provider host process shipped in @pulumi/pulumi (docs/protocols.md).
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as pulumi from "@pulumi/pulumi";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { PluginProcess, startPlugin } from "./processes";

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the generated gRPC stubs are CommonJS without type declarations
const providerGrpc = require("@pulumi/pulumi/proto/provider_grpc_pb");
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the generated gRPC stubs are CommonJS without type declarations
const providerProto = require("@pulumi/pulumi/proto/provider_pb");

const HOST = path.join(path.dirname(require.resolve("@pulumi/pulumi/package.json")), "cmd", "dynamic-provider", "index.js");
const PROVIDER_KEY = "__provider";

export interface CheckFailure {
  property: string;
  reason: string;
}
export interface HostDiff {
  changes: "none" | "some" | "unknown";
  replaces: string[];
  deleteBeforeReplace: boolean;
}
type Props = object;

/** Serializes a provider the way `new dynamic.Resource(...)` stores it as `__provider`. */
export async function serializeProvider(provider: pulumi.dynamic.ResourceProvider): Promise<string> {
  // The serializer does not capture a module variable whose name is also a global: a test that
  // leaks globalThis.path or .fs (Go's wasm_exec.js does) breaks every provider serialized after.
  const leaked = ["path", "fs", "os"].filter((name) => name in globalThis);
  if (leaked.length > 0)
    throw new Error(`globalThis.${leaked.join(", globalThis.")} leaked into the test process; run that code in a worker (see test/support/actionlint.ts)`);
  const sf = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
  return sf.text;
}

export class ProviderHost {
  private constructor(
    private readonly plugin: PluginProcess,
    private readonly client: any,
  ) {}

  /** Waits for a log line the provider writes on stderr (see PluginProcess.waitForStderr). */
  waitForStderr(pattern: RegExp, options?: { since?: number; timeoutMs?: number }): Promise<string> {
    return this.plugin.waitForStderr(pattern, options);
  }

  /** Everything the host process printed on stderr: what a user would see in `pulumi up`. */
  get stderr(): string {
    return this.plugin.stderr();
  }

  /**
   * Spawns the host with `env` (merged over this process's environment). `config` is sent as the
   * ConfigureRequest the engine sends with the stack's config, e.g. {"github:token": "..."}.
   */
  static async start(options: { env?: NodeJS.ProcessEnv; config?: Record<string, string> } = {}): Promise<ProviderHost> {
    const plugin = await startPlugin("dynamic-provider host", [HOST, "127.0.0.1:1"], {
      env: { ...process.env, ...options.env, PULUMI_PROJECT: "margine-pipeline", PULUMI_STACK: "test" },
    });
    const client = new providerGrpc.ResourceProviderClient(`127.0.0.1:${plugin.port}`, grpc.credentials.createInsecure());
    const host = new ProviderHost(plugin, client);
    const req = new providerProto.ConfigureRequest();
    req.setArgs(Struct.fromJavaScript({ ...(options.config ?? {}) } as any));
    req.setAcceptsecrets(false);
    await host.call("configure", req);
    return host;
  }

  async stop(): Promise<void> {
    this.client.close();
    await this.plugin.stop();
  }

  private call<T>(method: string, req: unknown): Promise<T> {
    return new Promise((resolve, reject) => {
      this.client[method](req, (err: grpc.ServiceError | null, res: T) => (err ? reject(new HostError(method, err)) : resolve(res)));
    });
  }

  async check(provider: string, olds: Props, news: Props): Promise<{ inputs: Record<string, any>; failures: CheckFailure[] }> {
    const req = new providerProto.CheckRequest();
    req.setUrn(urn("check"));
    req.setOlds(struct({ ...olds, [PROVIDER_KEY]: provider }));
    req.setNews(struct({ ...news, [PROVIDER_KEY]: provider }));
    const res = await this.call<any>("check", req);
    const failures = res.getFailuresList().map((f: any) => ({ property: f.getProperty(), reason: f.getReason() }));
    return { inputs: strip(res.getInputs()?.toJavaScript() ?? {}), failures };
  }

  async diff(provider: string, id: string, olds: Props, news: Props): Promise<HostDiff> {
    const req = new providerProto.DiffRequest();
    req.setId(id);
    req.setUrn(urn("diff"));
    req.setOlds(struct({ ...olds, [PROVIDER_KEY]: provider }));
    req.setNews(struct({ ...news, [PROVIDER_KEY]: provider }));
    const res = await this.call<any>("diff", req);
    const changes = ({ 0: "unknown", 1: "none", 2: "some" } as const)[res.getChanges() as 0 | 1 | 2];
    return { changes, replaces: res.getReplacesList(), deleteBeforeReplace: res.getDeletebeforereplace() };
  }

  async create(provider: string, inputs: Props): Promise<{ id: string; outs: Record<string, any> }> {
    const req = new providerProto.CreateRequest();
    req.setUrn(urn("create"));
    req.setProperties(struct({ ...inputs, [PROVIDER_KEY]: provider }));
    const res = await this.call<any>("create", req);
    return { id: res.getId(), outs: strip(res.getProperties()?.toJavaScript() ?? {}) };
  }

  async read(provider: string, id: string, props: Props): Promise<{ id: string; props: Record<string, any> }> {
    const req = new providerProto.ReadRequest();
    req.setId(id);
    req.setUrn(urn("read"));
    req.setProperties(struct({ ...props, [PROVIDER_KEY]: provider }));
    const res = await this.call<any>("read", req);
    return { id: res.getId(), props: strip(res.getProperties()?.toJavaScript() ?? {}) };
  }

  async update(provider: string, id: string, olds: Props, news: Props): Promise<Record<string, any>> {
    const req = new providerProto.UpdateRequest();
    req.setId(id);
    req.setUrn(urn("update"));
    req.setOlds(struct({ ...olds, [PROVIDER_KEY]: provider }));
    req.setNews(struct({ ...news, [PROVIDER_KEY]: provider }));
    const res = await this.call<any>("update", req);
    return strip(res.getProperties()?.toJavaScript() ?? {});
  }

  async delete(provider: string, id: string, props: Props): Promise<void> {
    const req = new providerProto.DeleteRequest();
    req.setId(id);
    req.setUrn(urn("delete"));
    req.setProperties(struct({ ...props, [PROVIDER_KEY]: provider }));
    await this.call("delete", req);
  }
}

/** A gRPC failure from the host: `message` is what the engine would print for the resource. */
export class HostError extends Error {
  constructor(
    readonly method: string,
    override readonly cause: grpc.ServiceError,
  ) {
    super(cause.details || cause.message);
    this.name = "HostError";
  }
}

function struct(props: Props): unknown {
  // Struct cannot carry undefined: the engine drops such keys too.
  return Struct.fromJavaScript(JSON.parse(JSON.stringify(props)));
}

function strip(props: Record<string, unknown>): Record<string, any> {
  const { [PROVIDER_KEY]: _omit, ...rest } = props;
  return rest;
}

function urn(op: string): string {
  return `urn:pulumi:test::margine-pipeline::pulumi-nodejs:dynamic:Resource::${op}`;
}
