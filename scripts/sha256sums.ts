#!/usr/bin/env node
// npm run sha256sums -- FILE... [--out PATH]
// SHA256SUMS in the published layout: basename only, because IA serves every file at the item root
// (handbook 11.2, run #26789024483: build-side paths made `sha256sum -c` fail after transit).
// Files are hashed streaming, one after another; the text goes to --out or stdout.
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { fileSha256, sha256sumsText } from "../providers/ia/sha256sums";
import { runCli, UsageError } from "./cli";

export const SHA256SUMS_USAGE = "usage: npm run sha256sums -- FILE... [--out PATH]";

export async function sha256sumsMain(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { out: { type: "string" } }, allowPositionals: true });
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n${SHA256SUMS_USAGE}`);
  }
  const files = parsed.positionals;
  if (files.length === 0) throw new UsageError(`at least one FILE is required\n${SHA256SUMS_USAGE}`);
  const seen = new Set<string>();
  for (const file of files) {
    if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new UsageError(`${file}: no such file`);
    const base = path.basename(file);
    if (seen.has(base)) throw new UsageError(`${file}: another file is also named ${base}; the published layout has one directory`);
    seen.add(base);
  }
  const entries = [];
  for (const file of files) entries.push({ name: path.basename(file), sha256: await fileSha256(file) });
  const text = sha256sumsText(entries);
  if (parsed.values.out) fs.writeFileSync(parsed.values.out, text);
  else process.stdout.write(text);
  return 0;
}

if (require.main === module) runCli(() => sha256sumsMain(process.argv.slice(2)));
