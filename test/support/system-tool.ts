// Tests that need a system tool fail, naming the Debian package, when it is missing: they never
// skip silently (docs/contracts.md). scripts/ci.sh installs every package listed here.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";

/** Absolute path of `command`, or an error telling which Debian package to install. */
export function requireTool(command: string, debianPackage: string): string {
  for (const dir of (process.env.PATH ?? "").split(":").concat(["/usr/sbin", "/sbin", "/usr/bin"])) {
    const candidate = `${dir}/${command}`;
    if (dir && fs.existsSync(candidate)) return candidate;
  }
  throw new Error(`${command} is not installed: run scripts/ci.sh or apt-get install ${debianPackage}`);
}

/** Runs a tool and returns stdout; a non-zero exit throws with its stderr. */
export function runTool(command: string, args: string[], options: { input?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
  return execFileSync(command, args, { encoding: "utf8", stdio: ["pipe", "pipe", "pipe"], ...options });
}
