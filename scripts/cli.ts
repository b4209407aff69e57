// Shared process handling of the CLIs in scripts/: user errors print one line and exit 2 (or the
// code they carry), unexpected failures print one line and exit 1. No stack traces for users;
// MARGINE_DEBUG=1 shows them.
import { ConfigError } from "../config/errors";

/** Bad input: the message says what is wrong and the expected form. */
export class UsageError extends Error {
  constructor(message: string, readonly exitCode = 2) {
    super(message);
    this.name = "UsageError";
  }
}

export function runCli(main: () => Promise<number | void>): void {
  main().then(
    (code) => { process.exitCode = code ?? 0; },
    (err: unknown) => {
      const e = err as Error;
      if (process.env.MARGINE_DEBUG) console.error(e?.stack);
      if (e instanceof UsageError) {
        console.error(`error: ${e.message}`);
        process.exitCode = e.exitCode;
      } else if (String((e as { code?: unknown })?.code ?? "").startsWith("ERR_PARSE_ARGS")) {
        // node:util parseArgs rejecting an unknown or malformed flag is a usage error too.
        console.error(`error: ${e.message}`);
        process.exitCode = 2;
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
 * and 2 s of start-up, and publish-iso streams multi-GB ISOs within a 150 MB budget.
 */
function isPulumiRunError(e: unknown): boolean {
  return typeof e === "object" && e !== null && (e as { __pulumiRunError?: unknown }).__pulumiRunError === true;
}

/**
 * While a CLI has work in flight, SIGINT/SIGTERM print `report(signal)` (what was done, what was
 * not) as one line and exit 130/143 instead of dying silently. Returns the function that removes
 * the handlers.
 */
export function onInterrupt(report: (signal: NodeJS.Signals) => string): () => void {
  const handler = (signal: NodeJS.Signals) => {
    try {
      console.error(`error: ${report(signal)}`);
    } finally {
      process.exit(signal === "SIGINT" ? 130 : 143);
    }
  };
  process.once("SIGINT", handler);
  process.once("SIGTERM", handler);
  return () => {
    process.off("SIGINT", handler);
    process.off("SIGTERM", handler);
  };
}
