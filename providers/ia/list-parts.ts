// ListParts: which parts IA holds of an open multipart upload. The reference calls IA's multipart
// support unconfirmed and the `ia` client has none, so every answer but a real ListPartsResult is
// "cannot list here" - the caller then falls back on its journal - never a failure of the upload.
import { IaError } from "./ia-error";
import { S3Requests } from "./s3-requests";
import { s3ErrorFields } from "./s3-answer";

export interface HeldPart {
  readonly etag: string;
  readonly size: number;
}

export type ListedParts =
  | { readonly kind: "held"; readonly parts: ReadonlyMap<number, HeldPart> }
  /** IA said, with S3's own code, that the upload does not exist (completed, aborted or expired). */
  | { readonly kind: "gone" }
  /** IA could not list the parts (not implemented, not XML, unreachable): `why` is for the log line. */
  | { readonly kind: "unavailable"; readonly why: string };

/** Lists every part, page by page; never throws (see ListedParts). */
export async function listParts(s3: S3Requests, identifier: string, name: string, uploadId: string): Promise<ListedParts> {
  const parts = new Map<number, HeldPart>();
  const what = `list parts of ${identifier}/${name} (upload ${uploadId})`;
  let marker = 0;
  for (;;) {
    const query = `?uploadId=${encodeURIComponent(uploadId)}${marker > 0 ? `&part-number-marker=${marker}` : ""}`;
    let body: string;
    try {
      const res = await s3.send(identifier, name, what, { method: "GET", query }, (answer) => {
        if (answer.status === 404 && s3ErrorFields(answer.body).code === "NoSuchUpload") throw new UploadGone();
        return answer;
      });
      body = res.body;
    } catch (err) {
      if (err instanceof UploadGone) return { kind: "gone" };
      if (err instanceof IaError) return { kind: "unavailable", why: err.message.startsWith(`${what}: `) ? err.message.slice(what.length + 2) : err.message };
      throw err;
    }
    if (!/<ListPartsResult[\s>]/.test(body))
      return { kind: "unavailable", why: `IA answered with something other than a ListPartsResult: ${JSON.stringify(body.slice(0, 80))}` };
    for (const m of body.matchAll(/<Part>([\s\S]*?)<\/Part>/g)) {
      const n = Number(/<PartNumber>(\d+)<\/PartNumber>/.exec(m[1])?.[1]);
      const etag = (/<ETag>([^<]*)<\/ETag>/.exec(m[1])?.[1] ?? "").replace(/&quot;|"/g, "");
      const size = Number(/<Size>(\d+)<\/Size>/.exec(m[1])?.[1]);
      if (n > 0 && etag) parts.set(n, { etag, size });
    }
    if (!/<IsTruncated>true<\/IsTruncated>/.test(body)) return { kind: "held", parts };
    const next = Number(/<NextPartNumberMarker>(\d+)<\/NextPartNumberMarker>/.exec(body)?.[1]);
    if (!(next > marker)) return { kind: "held", parts };
    marker = next;
  }
}

class UploadGone extends Error {}
