// Item metadata as IA's S3 headers (the encoding of the `ia` client, reference): one value is
// `x-archive-meta-<key>`, several are numbered `x-archive-meta00-<key>`, `x-archive-meta01-<key>`;
// `_` in a key is sent as `--`; values with non-ASCII characters or whitespace travel as
// `uri(<percent-encoded>)` because HTTP headers cannot carry them verbatim.

export type ItemMetadata = Record<string, string | readonly string[]>;

export function encodeHeaderValue(value: string): string {
  // eslint-disable-next-line no-control-regex -- the range is ASCII itself: anything outside it is encoded
  return /[^\x00-\x7f]|\s/.test(value) ? `uri(${encodeURIComponent(value)})` : value;
}

/** The inverse of encodeHeaderValue (used by the emulator and by tests). */
export function decodeHeaderValue(value: string): string {
  const m = /^uri\((.*)\)$/s.exec(value);
  return m ? decodeURIComponent(m[1]) : value;
}

export function itemMetadataHeaders(metadata: ItemMetadata): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata)) {
    const name = key.toLowerCase().replace(/_/g, "--");
    if (typeof value === "string") {
      headers[`x-archive-meta-${name}`] = encodeHeaderValue(value);
    } else {
      value.forEach((v, i) => {
        headers[`x-archive-meta${String(i).padStart(2, "0")}-${name}`] = encodeHeaderValue(v);
      });
    }
  }
  return headers;
}
