#!/usr/bin/env node
// npm run release-state -- stable --digest sha256:HEX --boot-run URL --booted-at ISO_TIME [--rollback] [--file Pulumi.release.yaml]
// npm run release-state -- iso --date YYYYMMDD --identifier ID --file-entry NAME:SHA256:MD5:SIZE... [--file Pulumi.release.yaml]
// Writes the release state into the stack file for a release pull request (docs/release-flow.md): smoke-boot declares the digest it booted, build-disk the ISO it published. Only the changed
// values move in the file. Prints one summary line; under GitHub Actions also writes `changed` and
// `summary` to $GITHUB_OUTPUT for the PR step. Exit 0 written or already declared, 2 bad input.
import * as fs from "node:fs";
import * as path from "node:path";
import { IA_IDENTIFIER_PATTERN, isCalendarDate, isDigest, isHttpsUrl, isIsoInstant, isMd5Hex, isSha256Hex } from "../grammar/values";
import { IsoFile, IsoRelease, latestIso, parseReleaseState } from "../config/release-state";
import { parseStackFile } from "../config/stack-file";
import { PROJECT } from "../config/stack-role";
import { renderIsoNotes } from "../release-notes/iso-notes";
import { addIsoRelease, ReleaseEdit, setStableRelease } from "../config/release-state-editor";
import { parseCommandLine, runCli, UsageError } from "./cli";

const USAGE =
  "usage: release-state stable --digest sha256:HEX --boot-run URL --booted-at ISO_TIME [--rollback] [--file Pulumi.release.yaml]\n" +
  "       release-state iso --date YYYYMMDD --identifier ID --file-entry NAME:SHA256:MD5:SIZE... [--notes FILE.md] [--torrent URL] [--file Pulumi.release.yaml]";

runCli(async () => {
  const [command, ...args] = process.argv.slice(2);
  if (command === "stable") return write(stableEdit(args));
  if (command === "iso") return write(isoEdit(args));
  throw new UsageError(`${command === undefined ? "missing command" : `unknown command ${JSON.stringify(command)}`}; expected stable or iso\n${USAGE}`);
});

function stableEdit(args: string[]): { file: string; edit: (text: string) => ReleaseEdit } {
  const { values } = parseCommandLine(
    args,
    {
      digest: { type: "string" },
      "boot-run": { type: "string" },
      "booted-at": { type: "string" },
      rollback: { type: "boolean", default: false },
      file: { type: "string", default: "Pulumi.release.yaml" },
    },
    USAGE,
  );
  const digest = required(values.digest, "--digest", isDigest, "sha256: followed by 64 lowercase hex characters (the digest smoke-boot booted)");
  const bootRun = required(
    values["boot-run"],
    "--boot-run",
    (v) => isHttpsUrl(v) && /\/actions\/runs\/\d+/.test(v),
    "the https URL of the passing smoke-boot run (.../actions/runs/N)",
  );
  const bootedAt = required(values["booted-at"], "--booted-at", isIsoInstant, "an ISO 8601 time with zone, e.g. 2026-11-20T10:00:00Z");
  const file = values.file!;
  return { file, edit: (text) => setStableRelease(text, { digest, evidence: { bootRun, bootedAt }, rollback: values.rollback! }, file) };
}

interface StackFileEdit {
  readonly file: string;
  readonly edit: (text: string) => ReleaseEdit;
  /** Runs once the edit succeeded, with the text from before it. */
  readonly afterEdit?: (before: string) => void;
}

function isoEdit(args: string[]): StackFileEdit {
  const { values } = parseCommandLine(
    args,
    {
      date: { type: "string" },
      identifier: { type: "string" },
      "file-entry": { type: "string", multiple: true },
      file: { type: "string", multiple: true },
      notes: { type: "string" },
      torrent: { type: "string" },
    },
    USAGE,
  );
  const stackFiles = values.file ?? ["Pulumi.release.yaml"];
  const misplaced = stackFiles.find((f) => /:[0-9a-f]{64}:/.test(f));
  if (misplaced !== undefined) {
    throw new UsageError(
      `--file ${JSON.stringify(misplaced)} looks like a release file entry; pass it as --file-entry NAME:SHA256:MD5:SIZE (--file names the stack file)`,
    );
  }
  if (stackFiles.length > 1) throw new UsageError(`--file given ${stackFiles.length} times; expected one stack file`);
  const date = required(values.date, "--date", isCalendarDate, "YYYYMMDD, a real calendar date");
  const identifier = required(
    values.identifier,
    "--identifier",
    (v) => IA_IDENTIFIER_PATTERN.test(v),
    "an Internet Archive identifier: 5-100 of [A-Za-z0-9._-], not starting with . _ -",
  );
  const entries = values["file-entry"] ?? [];
  if (entries.length === 0) throw new UsageError("--file-entry is missing; expected at least one NAME:SHA256:MD5:SIZE (the ISO, SHA256SUMS...)");
  const files = entries.map(parseFileEntry);
  const file = stackFiles[0];
  const torrent = values.torrent === "" ? undefined : values.torrent;
  if (torrent !== undefined && !isHttpsUrl(torrent))
    throw new UsageError(`--torrent ${JSON.stringify(torrent)}: expected the https URL of the item's .torrent, or empty`);
  const notes = values.notes;
  return {
    file,
    edit: (text) => addIsoRelease(text, { date, identifier, files }, file),
    // From the state before the edit: "previous" is the newest ISO declared so far.
    ...(notes
      ? { afterEdit: (before: string) => fs.writeFileSync(notes, renderIsoNotes({ date, identifier, files }, previousIso(before, file), torrent)) }
      : {}),
  };
}

/** The newest ISO release a stack file declared before this one, if any. */
function previousIso(text: string, file: string): IsoRelease | undefined {
  const raw = parseStackFile(text, file).config?.[`${PROJECT}:release`];
  return raw === undefined ? undefined : latestIso(parseReleaseState(raw, `${PROJECT}:release`));
}

/** NAME:SHA256:MD5:SIZE; the name may not contain `:` (published names are [A-Za-z0-9._-]). */
function parseFileEntry(entry: string): IsoFile {
  const parts = entry.split(":");
  const size = Number(parts[3]);
  if (
    parts.length !== 4 ||
    !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(parts[0]) ||
    !isSha256Hex(parts[1]) ||
    !isMd5Hex(parts[2]) ||
    !/^[1-9]\d*$/.test(parts[3]) ||
    !Number.isSafeInteger(size)
  ) {
    throw new UsageError(`--file-entry ${JSON.stringify(entry)}: expected NAME:SHA256:MD5:SIZE (basename, 64 and 32 lowercase hex, size in bytes)`);
  }
  return { name: parts[0], sha256: parts[1], md5: parts[2], size };
}

function required(value: string | undefined, flag: string, valid: (v: string) => boolean, expected: string): string {
  if (value === undefined) throw new UsageError(`${flag} is missing; expected ${expected}`);
  if (!valid(value)) throw new UsageError(`${flag} ${JSON.stringify(value)}: expected ${expected}`);
  return value;
}

function write({ file, edit, afterEdit }: StackFileEdit): number {
  const target = path.resolve(file);
  let text: string;
  try {
    text = fs.readFileSync(target, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "no such stack file"
        : code === "EISDIR"
          ? "is a directory, not a stack file"
          : code === "EACCES"
            ? "permission denied"
            : `cannot be read (${code})`;
    throw new UsageError(`--file ${file}: ${why} (${target})`);
  }
  // GITHUB_OUTPUT is opened before the stack file changes: a broken one must not leave the file
  // rewritten behind a failed step.
  const output = openOutput(process.env.GITHUB_OUTPUT);
  try {
    const result = edit(text);
    if (result.changed) writeAtomically(target, result.text);
    afterEdit?.(text);
    console.log(`${path.basename(target)}: ${result.summary}${result.changed ? "" : " (unchanged)"}`);
    if (output !== undefined) fs.writeSync(output, `changed=${result.changed}\nsummary=${result.summary}\n`);
    return 0;
  } finally {
    if (output !== undefined) fs.closeSync(output);
  }
}

function openOutput(file: string | undefined): number | undefined {
  if (!file) return undefined;
  try {
    return fs.openSync(file, "a");
  } catch (err) {
    throw new UsageError(`GITHUB_OUTPUT ${file}: cannot append to it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); nothing was changed`);
  }
}

/** A temporary file renamed over the target: an interrupted run never leaves half a stack file. */
function writeAtomically(target: string, text: string): void {
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.tmp`);
  try {
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, target);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw new UsageError(`--file ${target}: cannot write (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); the file is unchanged`, 1);
  }
}
