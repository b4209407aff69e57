/**
 * An HTTP Retry-After header as milliseconds: delta-seconds or an HTTP date; undefined when absent
 * or unreadable. Registries (429) and IA's S3 endpoint (503 SlowDown) both send it, and a client
 * that honors it waits exactly as long as the server asks instead of guessing.
 */
export function retryAfterMs(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
