// IA refusing multipart. The reference calls IA's multipart unconfirmed and `ia upload` never uses
// it, so a refusal is not a failure: the client sends the file in one PUT instead (s3-upload.ts).

/** IA does not do multipart here (or not for this file): the caller falls back to a single PUT. */
export class MultipartRefused extends Error {
  constructor(
    readonly reason: string,
    readonly bytesSent: number,
  ) {
    super(reason);
  }
}

/**
 * A status that says IA does not take this request here (4xx other than bad keys, a missing item
 * or upload, or "busy"; 501), as opposed to one a retry or a rerun can get past.
 */
export function refusedStatus(status: number | undefined): boolean {
  if (status === undefined) return false;
  return status === 501 || (status >= 400 && status < 500 && ![401, 403, 404, 408, 429].includes(status));
}
