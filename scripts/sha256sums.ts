#!/usr/bin/env node
// npm run sha256sums -- FILE... [--out PATH]
// SHA256SUMS in the published layout: basename only, because IA serves every file at the item root
// (handbook 11.2, run #26789024483: build-side paths made `sha256sum -c` fail after transit).
// Files are hashed streaming, one after another; the text goes to --out or stdout.
import * as fs from "node:fs";
import * as path from "node:path";
import { fileSha256, sha256sumsText } from "../providers/ia/sha256sums";
import { inputFile, parseCommandLine, runCli, UsageError } from "./cli";

export const SHA256SUMS_USAGE = "usage: npm run sha256sums -- FILE... [--out PATH]";

export async function sha256sumsMain(argv: string[]): Promise<number> {
  const parsed = parseCommandLine(argv, { out: { type: "string" } }, SHA256SUMS_USAGE, { allowPositionals: true });
  const files = parsed.positionals;
  if (files.length === 0) throw new UsageError(`at least one FILE is required\n${SHA256SUMS_USAGE}`);
  const out = parsed.values.out;
  const outTarget = out === undefined ? undefined : outputTarget(out);
  const seen = new Set<string>();
  for (const file of files) {
    inputFile("", file, { allowEmpty: false, emptyReason: "a release file is never empty (did the build fail?)" });
    const base = path.basename(file);
    if (seen.has(base)) throw new UsageError(`${file}: another file is also named ${base}; the published layout has one directory`);
    seen.add(base);
    if (out !== undefined && outTarget !== undefined) {
      // The output among the inputs: a rerun over a glob would list the old SHA256SUMS in the new
      // one (and `sha256sum -c` fails on it), and writing it would overwrite an input.
      if (sameFile(file, outTarget)) throw new UsageError(`${file}: is the --out file itself; leave it out of the inputs (it cannot list its own checksum)`);
      if (base === path.basename(out))
        throw new UsageError(`${file}: has the --out file's name ${base}; in the published layout SHA256SUMS would list itself, so leave it out of the inputs`);
    }
  }
  const entries = [];
  for (const file of files) entries.push({ name: path.basename(file), sha256: await fileSha256(file) });
  const text = sha256sumsText(entries);
  if (out !== undefined) writeAtomically(out, text);
  else process.stdout.write(text);
  return 0;
}

if (require.main === module) runCli(() => sha256sumsMain(process.argv.slice(2)));

/** The --out path checked before any hashing: its folder must exist and it must not be a folder. */
function outputTarget(out: string): string {
  const dir = path.dirname(path.resolve(out));
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new UsageError(`--out ${out}: the folder ${dir} does not exist`);
  if (fs.existsSync(out) && !fs.statSync(out).isFile()) throw new UsageError(`--out ${out}: exists and is not a regular file`);
  return path.resolve(out);
}

function sameFile(a: string, b: string): boolean {
  if (path.resolve(a) === b) return true;
  try {
    const sa = fs.statSync(a);
    const sb = fs.statSync(b);
    return sa.dev === sb.dev && sa.ino === sb.ino;
  } catch {
    return false;
  }
}

/** Written beside the target and renamed over it: an interrupted run never leaves half a file. */
function writeAtomically(target: string, text: string): void {
  const tmp = path.join(path.dirname(path.resolve(target)), `.${path.basename(target)}.${process.pid}.tmp`);
  try {
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, target);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw new UsageError(`--out ${target}: cannot write (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, 1);
  }
}
