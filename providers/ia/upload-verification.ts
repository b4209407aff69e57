// The proof that an upload arrived whole: IA's metadata API lists every file with the md5 and size
// that were sent (docs/protocols.md: md5 is what IA reports). Its metadata lags the S3 answer, so the
// check polls, bounded, and then says per file what is still wrong.
import { IaVerificationError } from "./ia-error";
import { IaItemRecord, IaMetadataClient } from "./metadata-api";
import { sleep } from "../backoff";

export interface ExpectedFile {
  readonly name: string;
  readonly md5: string;
  readonly size: number;
}

/** A file the metadata API does not show as uploaded; `garbled` when it shows it with another md5 or size. */
export interface WrongFile {
  readonly name: string;
  readonly garbled: boolean;
  readonly text: string;
}

export interface FileCheck {
  readonly item: IaItemRecord | undefined;
  readonly wrong: readonly WrongFile[];
}

/** Polls until every file shows the expected md5 and size, or the wait is over: what is still wrong then. */
export async function awaitFiles(
  api: IaMetadataClient,
  identifier: string,
  files: readonly ExpectedFile[],
  wait: { readonly verifyWaitMs?: number; readonly pollMs?: number },
): Promise<FileCheck> {
  const deadline = Date.now() + (wait.verifyWaitMs ?? 120_000);
  for (;;) {
    const item = await api.getItem(identifier);
    const wrong = files.flatMap((f): WrongFile[] => {
      const r = item?.files.find((x) => x.name === f.name);
      if (!r) return [{ name: f.name, garbled: false, text: `${f.name} is missing` }];
      if (r.md5 !== f.md5 || r.size !== f.size)
        return [{ name: f.name, garbled: true, text: `${f.name} has md5 ${r.md5} size ${r.size}, expected md5 ${f.md5} size ${f.size}` }];
      return [];
    });
    if (wrong.length === 0 || Date.now() >= deadline) return { item, wrong };
    await sleep(wait.pollMs ?? 2_000);
  }
}

/** The item when every file checked out; otherwise the error that names what is wrong. */
export function verified(identifier: string, check: FileCheck): IaItemRecord {
  if (check.wrong.length === 0) return check.item!;
  throw new IaVerificationError(
    `${identifier}: after upload the metadata API reports ${check.wrong.map((w) => w.text).join("; ")}. Upload again (npm run publish-iso skips the files that match)`,
  );
}
