// The journal of a multipart upload, so an interrupted upload resumes in the next process: the
// upload id and the parts IA confirmed (with their ETags), written beside the file (or in a state
// directory) after every part. IA's own list of parts (ListParts) is asked first on resume; where IA
// cannot list parts, the journal's confirmed parts are offered to CompleteMultipartUpload, which
// has the last word. A journal is only ever an optimisation: one that cannot be used is ignored
// with a warning and the file starts over (issue: "uploads that never wedge").
import * as fs from "node:fs";
import * as path from "node:path";
import type { MultipartState } from "./s3-requests";

export interface UploadJournal {
  readonly version: 2;
  /** The S3 endpoint the upload lives on. */
  readonly s3Url: string;
  readonly identifier: string;
  readonly name: string;
  /** The absolute path of the file that was sent: a journal copied elsewhere is not this file's. */
  readonly path: string;
  /** The local file as it was when the upload started: a changed file cannot be resumed. */
  readonly size: number;
  readonly mtimeMs: number;
  readonly partSize: number;
  readonly uploadId: string;
  /** Part number -> ETag, for the parts IA accepted. */
  readonly parts: Record<string, string>;
}

/** What a rerun finds where the journal would be. */
export type JournalRead =
  | { readonly state: "absent" }
  /** Something is there, but not a journal this upload can use; `reason` says why, for the warning. */
  | { readonly state: "ignored"; readonly reason: string }
  | { readonly state: "usable"; readonly journal: UploadJournal };

/** What the journal must match to belong to this upload. */
export interface JournalOwner {
  readonly s3Url: string;
  readonly identifier: string;
  readonly name: string;
  readonly path: string;
}

/** `.<file>.<identifier>.ia-upload.json` beside the file, or in `dir`. */
export function journalPath(file: string, identifier: string, dir?: string): string {
  return path.join(dir ?? path.dirname(path.resolve(file)), `.${path.basename(file)}.${identifier}.ia-upload.json`);
}

/** Reads the journal at `file` and says whether it belongs to `owner`; never throws. */
export function readJournal(file: string, owner: JournalOwner): JournalRead {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === "ENOENT" ? { state: "absent" } : { state: "ignored", reason: `it cannot be read (${code ?? (err as Error).message})` };
  }
  let j: Partial<UploadJournal>;
  try {
    j = JSON.parse(text) as Partial<UploadJournal>;
  } catch {
    return { state: "ignored", reason: "it is torn or not JSON (an interrupted write, or not one of ours)" };
  }
  const shaped =
    typeof j === "object" &&
    j !== null &&
    j.version === 2 &&
    typeof j.uploadId === "string" &&
    typeof j.s3Url === "string" &&
    typeof j.path === "string" &&
    typeof j.size === "number" &&
    typeof j.mtimeMs === "number" &&
    typeof j.partSize === "number" &&
    typeof j.parts === "object" &&
    j.parts !== null &&
    Object.values(j.parts).every((e) => typeof e === "string");
  if (!shaped) return { state: "ignored", reason: "it is not a version-2 upload journal (an older release's, or a foreign file)" };
  const journal = j as UploadJournal;
  if (journal.s3Url !== owner.s3Url) return { state: "ignored", reason: `its upload lives on another endpoint (${journal.s3Url})` };
  if (journal.identifier !== owner.identifier || journal.name !== owner.name)
    return { state: "ignored", reason: `it is for ${journal.identifier}/${journal.name}` };
  if (journal.path !== owner.path) return { state: "ignored", reason: `it was written for ${journal.path} (another machine or a copied folder)` };
  return { state: "usable", journal };
}

/** Written to a temporary file and renamed: a crash mid-write leaves the previous journal whole. */
export function writeJournal(file: string, journal: UploadJournal): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(journal));
  fs.renameSync(tmp, file);
}

/** Best effort: a journal that cannot be removed is ignored or replaced by the next run. */
export function removeJournal(file: string): void {
  try {
    fs.rmSync(file, { force: true });
  } catch {
    // readJournal on the next run judges whatever is left
  }
}

/** Writes the journal after every part; a journal that cannot be written only costs the resume. */
export class JournalWriter {
  ok: boolean;

  constructor(
    private readonly file: string | undefined,
    private readonly base: Omit<UploadJournal, "parts">,
    private readonly count: number,
    private readonly onState: ((state: MultipartState) => void) | undefined,
    private readonly warn: (message: string) => void,
  ) {
    this.ok = file !== undefined;
  }

  record(etags: readonly string[]): void {
    const parts = Object.fromEntries(etags.flatMap((e, i) => (e ? [[String(i + 1), e]] : [])));
    if (this.ok) {
      try {
        writeJournal(this.file!, { ...this.base, parts });
      } catch (err) {
        this.ok = false;
        this.warn(
          `cannot write the resume journal ${this.file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); an interrupted upload will start over`,
        );
      }
    }
    const { identifier, name, uploadId } = this.base;
    this.onState?.({ identifier, name, uploadId, parts: this.count, done: Object.keys(parts).length, journal: this.ok ? this.file : undefined });
  }
}
