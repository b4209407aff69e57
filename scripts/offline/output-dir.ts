// The folder `npm run synth --out DIR` writes. Synth replaces its whole output on every run, so
// it must never replace anything else: `--out .` once wiped a checkout (.git, node_modules and
// uncommitted work). A marker file says "synth made this folder"; anything without it is refused.
import * as fs from "node:fs";
import * as path from "node:path";
import { UsageError } from "../cli";

/** The file synth leaves in every folder it writes, and the only licence to replace that folder. */
export const SYNTH_MARKER = ".margine-synth-output";

/** Why a --out folder cannot be used: the message names the folder and what to do. */
export class OutputDirRefused extends UsageError {
  constructor(
    readonly dir: string,
    reason: string,
  ) {
    super(`--out ${dir}: ${reason}; expected a new folder, an empty one, or one an earlier synth wrote (it holds ${SYNTH_MARKER})`);
    this.name = "OutputDirRefused";
  }
}

export type OutputDirState = "absent" | "empty" | "synth-output";

/**
 * Decides, without touching anything, whether `dir` may become synth's output. Called before the
 * program is evaluated, so a refused folder costs nothing and changes nothing.
 */
export function checkOutputDir(dir: string): OutputDirState {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return "absent";
    throw new OutputDirRefused(dir, `cannot be read (${(e as NodeJS.ErrnoException).code})`);
  }
  if (stat.isSymbolicLink()) throw new OutputDirRefused(dir, "is a symbolic link, and synth does not follow links it would delete through");
  if (!stat.isDirectory()) throw new OutputDirRefused(dir, "exists and is not a folder");
  const entries = fs.readdirSync(dir);
  if (entries.length === 0) return "empty";
  if (entries.includes(SYNTH_MARKER) && fs.lstatSync(path.join(dir, SYNTH_MARKER)).isFile()) return "synth-output";
  throw new OutputDirRefused(dir, `holds ${entries.length} entr${entries.length === 1 ? "y" : "ies"} that synth did not write`);
}

/**
 * Empties (or creates) a folder that checkOutputDir accepted, and marks it as synth's. The marker is
 * the first thing written and is never removed, so a run killed at any point (SIGKILL included)
 * leaves a folder the rerun accepts and replaces, instead of one it refuses as not its own.
 */
export function resetOutputDir(dir: string): void {
  // Checked again at write time: the folder may have changed while the program was evaluated.
  if (checkOutputDir(dir) === "synth-output") {
    for (const entry of fs.readdirSync(dir)) if (entry !== SYNTH_MARKER) fs.rmSync(path.join(dir, entry), { recursive: true, force: true });
    return;
  }
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, SYNTH_MARKER), "Written by `npm run synth`; synth empties this folder on every run.\n");
}
