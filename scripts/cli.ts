// Shared process handling of the CLIs in scripts/: user errors print one line and exit 2 (or the
// code they carry), unexpected failures print one line and exit 1. No stack traces for users;
// MARGINE_DEBUG=1 shows them.
import * as fs from "node:fs";
import { parseArgs, ParseArgsConfig } from "node:util";
import { ConfigError } from "../config/errors";
import { DEFAULT_TIMEOUTS, NetTimeouts } from "../providers/http-timeouts";

/** Bad input: the message says what is wrong and the expected form. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
    this.name = "UsageError";
  }
}

export function runCli(main: () => Promise<number | void>): void {
  process.on("SIGINT", handleInterrupt);
  process.on("SIGTERM", handleInterrupt);
  main().then(
    (code) => {
      process.exitCode = code ?? 0;
    },
    (err: unknown) => {
      const e = err as Error;
      if (process.env.MARGINE_DEBUG) console.error(e?.stack);
      if (e instanceof UsageError) {
        console.error(`error: ${e.message}`);
        process.exitCode = e.exitCode;
      } else if (e instanceof ConfigError || isPulumiRunError(e)) {
        console.error(`error: ${e.message}`);
        process.exitCode = 1;
      } else {
        console.error(`error: ${e?.message ?? String(err)}`);
        process.exitCode = (e as { exitCode?: number })?.exitCode ?? 1;
      }
    },
  );
}

/**
 * pulumi.RunError (the program's clean-exit error) recognised by the marker Pulumi itself checks
 * (RunError.isInstance), so the CLIs do not load @pulumi/pulumi: it costs about 30 MB of memory
 * and 2 s of start-up, and publish-iso streams multi-GB ISOs within an 80 MB budget.
 */
function isPulumiRunError(e: unknown): boolean {
  return typeof e === "object" && e !== null && (e as { __pulumiRunError?: unknown }).__pulumiRunError === true;
}

/** What an interrupt reports, innermost first (onInterrupt pushes, its remover pops). */
const interruptReporters: ((signal: NodeJS.Signals) => string)[] = [];

function handleInterrupt(signal: NodeJS.Signals): void {
  let text = `interrupted (${signal})`;
  try {
    const report = interruptReporters.at(-1);
    if (report) text = report(signal);
  } catch {
    // the plain line still goes out
  }
  console.error(`error: ${text}`);
  process.exit(signal === "SIGINT" ? 130 : 143);
}

/**
 * While a CLI has work in flight, SIGINT/SIGTERM print `report(signal)` (what was done, what was
 * not) as one line and exit 130/143 instead of dying silently. Returns the function that removes
 * the report. runCli installs the handler, with a plain "interrupted" line as the default.
 */
export function onInterrupt(report: (signal: NodeJS.Signals) => string): () => void {
  interruptReporters.push(report);
  return () => {
    const i = interruptReporters.lastIndexOf(report);
    if (i >= 0) interruptReporters.splice(i, 1);
  };
}

/**
 * Checks that `file` is a readable regular file before any side effect and returns its size; every
 * other case is a UsageError naming the path and what it is instead (a directory, a FIFO, missing,
 * unreadable). `allowEmpty: false` also refuses a 0-byte file.
 */
export function inputFile(label: string, file: string, options: { allowEmpty?: boolean; emptyReason?: string } = {}): number {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new UsageError(`${label}${file}: no such file`);
    if (code === "EACCES") throw new UsageError(`${label}${file}: permission denied`);
    if (code === "ENOTDIR") throw new UsageError(`${label}${file}: a component of the path is not a directory`);
    throw new UsageError(`${label}${file}: cannot be read (${code ?? (err as Error).message})`);
  }
  if (!stat.isFile()) throw new UsageError(`${label}${file}: is ${fileKind(stat)}, not a regular file`);
  try {
    fs.accessSync(file, fs.constants.R_OK);
  } catch {
    throw new UsageError(`${label}${file}: permission denied`);
  }
  if (stat.size === 0 && options.allowEmpty === false) {
    throw new UsageError(`${label}${file}: is empty (0 bytes)${options.emptyReason ? `; ${options.emptyReason}` : ""}`);
  }
  return stat.size;
}

function fileKind(stat: fs.Stats): string {
  if (stat.isDirectory()) return "a directory";
  if (stat.isFIFO()) return "a FIFO (named pipe)";
  if (stat.isSocket()) return "a socket";
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return "a device";
  return "not a regular file";
}

/** The flags every networked CLI takes; see `networkTimeouts`. */
export const TIMEOUT_OPTIONS = {
  "connect-timeout": { type: "string" },
  "read-timeout": { type: "string" },
} as const;

export const TIMEOUT_USAGE = "[--connect-timeout SECONDS] [--read-timeout SECONDS]";

/**
 * --connect-timeout (default 10 s) and --read-timeout (the longest silence on an open connection,
 * default 20 s), as the shared network layer's timeouts.
 */
export function networkTimeouts(values: { "connect-timeout"?: string; "read-timeout"?: string }, exitCode = 2): NetTimeouts {
  const seconds = (flag: string, value: string | undefined, fallback: number): number => {
    if (value === undefined) return fallback * 1000;
    const n = Number(value);
    if (!/^\d+(\.\d+)?$/.test(value) || !(n > 0) || n > 3600)
      throw new UsageError(`--${flag} ${value}: expected a number of seconds, more than 0 and at most 3600`, exitCode);
    return n * 1000;
  };
  return {
    connectMs: seconds("connect-timeout", values["connect-timeout"], DEFAULT_TIMEOUTS.connectMs / 1000),
    idleMs: seconds("read-timeout", values["read-timeout"], DEFAULT_TIMEOUTS.idleMs / 1000),
  };
}

/**
 * node:util parseArgs with two fixes every CLI wants: a value that starts with a dash (`--pr-days
 * -1`) is taken as the flag's value, so the CLI's own check says what is wrong with it instead of
 * "argument is ambiguous"; and parse errors are UsageErrors (exit `exitCode`) followed by `usage`.
 */
export function parseCommandLine<T extends ParseArgsConfig["options"]>(
  argv: readonly string[],
  options: T,
  usage: string,
  config: { allowPositionals?: boolean; exitCode?: number } = {},
) {
  const stringFlags = new Set(
    Object.entries(options ?? {})
      .filter(([, o]) => (o as { type: string }).type === "string")
      .map(([name]) => `--${name}`),
  );
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const next = argv[i + 1];
    if (stringFlags.has(argv[i]) && next !== undefined && /^-[^-]/.test(next)) {
      args.push(`${argv[i]}=${next}`);
      i++;
    } else {
      args.push(argv[i]);
    }
  }
  try {
    return parseArgs({ args, options, allowPositionals: config.allowPositionals ?? false, strict: true });
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n${usage}`, config.exitCode ?? 2);
  }
}
