// Child processes the tests run the way users and the engine do: the CLIs in scripts/ as separate
// processes, and Pulumi plugins (the dynamic-provider host, the policy pack) that print a port.
import { ChildProcess, SpawnOptions, spawn, spawnSync } from "node:child_process";
import * as path from "node:path";
import { PROJECT_DIR } from "./program-run";

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The node arguments that run CLI `script` exactly as `npm run <script> -- ARGS` does: the
 * compiled code in dist/, built first when a source changed (scripts/run-compiled.js).
 */
export function cliArgs(script: string, args: readonly string[]): string[] {
  buildIfStale();
  return [path.join(PROJECT_DIR, "scripts", "run-compiled.js"), script, ...args];
}

let compiled = false;

/**
 * Builds dist/ and policy/bin once per test process when a source changed (after an edit,
 * `npx mocha FILE`): otherwise the first CLI a test runs would print the build's progress line
 * before its own output, and a test that reads that output would see one line too many.
 */
export function buildIfStale(): void {
  if (compiled) return;
  const res = spawnSync(process.execPath, [path.join(PROJECT_DIR, "scripts", "run-compiled.js"), "--build-if-stale"], { encoding: "utf8" });
  if (res.status !== 0) throw new Error(`the CLIs do not build (npm run build): ${res.stderr}`);
  compiled = true;
}

/** Runs CLI `script` as `npm run <script>` would, in the project directory. `env` is merged over this process's. */
export function runScript(script: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string } = {}): CliResult {
  const res = spawnSync(process.execPath, cliArgs(script, args), {
    cwd: options.cwd ?? PROJECT_DIR,
    encoding: "utf8",
    input: options.input,
    env: { ...process.env, TS_NODE_PROJECT: path.join(PROJECT_DIR, "tsconfig.json"), ...options.env },
  });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

/** Stops a child (SIGTERM) and waits for it to exit, so its port and files are released. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await exited;
}

/** A plugin process that announced its gRPC port on stdout, as Pulumi's plugins do. */
export interface PluginProcess {
  readonly child: ChildProcess;
  readonly port: number;
  /** Everything the process printed on stderr so far. */
  stderr(): string;
  /**
   * Waits (at most `timeoutMs`) until what the process printed on stderr after offset `since`
   * matches `pattern`, and returns that text. A reply on the gRPC channel can arrive before the
   * log lines the call wrote on stderr: assertions on logs wait for them instead of racing.
   */
  waitForStderr(pattern: RegExp, options?: { since?: number; timeoutMs?: number }): Promise<string>;
  stop(): Promise<void>;
}

/** Spawns `args` with node and waits (at most 60 s) for the port line the plugin prints. */
export async function startPlugin(what: string, args: string[], options: SpawnOptions = {}): Promise<PluginProcess> {
  const child = spawn(process.execPath, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  const waiters = new Set<() => void>();
  child.stderr!.on("data", (d: Buffer) => {
    err += d.toString();
    for (const wake of waiters) wake();
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`${what} printed no port in 60 s: ${err}`)), 60_000);
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /^(\d+)\s*$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code}): ${err}`));
    });
  });
  return {
    child,
    port,
    stderr: () => err,
    waitForStderr(pattern, { since = 0, timeoutMs = 10_000 } = {}) {
      return new Promise<string>((resolve, reject) => {
        const check = () => {
          const text = err.slice(since);
          if (!pattern.test(text)) return false;
          waiters.delete(wake);
          clearTimeout(timer);
          resolve(text);
          return true;
        };
        const wake = () => {
          check();
        };
        const timer = setTimeout(() => {
          waiters.delete(wake);
          reject(new Error(`${what}: nothing matching ${pattern} on stderr within ${timeoutMs} ms; it printed: ${err.slice(since) || "(nothing)"}`));
        }, timeoutMs);
        waiters.add(wake);
        check();
      });
    },
    stop: () => stopChild(child),
  };
}

/** A CLI running in the background: its output so far and its exit, for tests that interrupt it. */
export interface RunningScript {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** The exit code (128 + signal number when killed by a signal) and how long it ran. */
  readonly exited: Promise<{ code: number; ms: number }>;
}

/** Starts `scripts/<script>.ts` like runScript, without waiting for it. */
export function startScript(script: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): RunningScript {
  const started = Date.now();
  const child = spawn(
    process.execPath,
    ["-r", require.resolve("ts-node/register/transpile-only"), path.join(PROJECT_DIR, "scripts", `${script}.ts`), ...args],
    {
      cwd: options.cwd ?? PROJECT_DIR,
      env: { ...process.env, TS_NODE_PROJECT: path.join(PROJECT_DIR, "tsconfig.json"), ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let out = "";
  let err = "";
  child.stdout!.on("data", (d: Buffer) => {
    out += d.toString();
  });
  child.stderr!.on("data", (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<{ code: number; ms: number }>((resolve) => {
    child.once("close", (code, signal) => resolve({ code: code ?? 128 + (signal === "SIGINT" ? 2 : signal === "SIGTERM" ? 15 : 9), ms: Date.now() - started }));
  });
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Polls `condition` every 20 ms; fails naming `what` after `ms`. */
export async function waitUntil(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
