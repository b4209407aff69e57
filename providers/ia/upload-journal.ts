// The journal of a multipart upload, so an interrupted upload resumes in the next process: the
// upload id and the parts IA confirmed (with their ETags), written beside the file (or in a state
// directory) after every part. IA's own list of parts (ListParts) stays the truth on resume; the
// journal says which upload to ask about and whether the file is still the one that was sent.
import * as fs from "node:fs";
import * as path from "node:path";

export interface UploadJournal {
  readonly version: 1;
  /** The S3 endpoint the upload lives on. */
  readonly s3Url: string;
  readonly identifier: string;
  readonly name: string;
  /** The local file as it was when the upload started: a changed file cannot be resumed. */
  readonly size: number;
  readonly mtimeMs: number;
  readonly partSize: number;
  readonly uploadId: string;
  /** Part number -> ETag, for the parts IA accepted. */
  readonly parts: Record<string, string>;
}

/** `.<file>.<identifier>.ia-upload.json` beside the file, or in `dir`. */
export function journalPath(file: string, identifier: string, dir?: string): string {
  return path.join(dir ?? path.dirname(path.resolve(file)), `.${path.basename(file)}.${identifier}.ia-upload.json`);
}

/** The journal, or undefined when there is none or it is not one of ours (a torn or foreign file). */
export function readJournal(file: string): UploadJournal | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  try {
    const j = JSON.parse(text) as UploadJournal;
    const ok = j.version === 1 && typeof j.uploadId === "string" && typeof j.s3Url === "string" && typeof j.size === "number" &&
      typeof j.mtimeMs === "number" && typeof j.partSize === "number" && typeof j.parts === "object" && j.parts !== null;
    return ok ? j : undefined;
  } catch {
    return undefined;
  }
}

/** Written to a temporary file and renamed: a crash mid-write leaves the previous journal whole. */
export function writeJournal(file: string, journal: UploadJournal): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(journal));
  fs.renameSync(tmp, file);
}

export function removeJournal(file: string): void {
  fs.rmSync(file, { force: true });
}
