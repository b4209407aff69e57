// An optional push to an ntfy topic when the watch opens or closes an issue (docs/watch.md): the
// handbook's fleet tooling already speaks ntfy. Publishing is one POST to SERVER/TOPIC with the
// message as the body and Title / Priority / Tags / Click headers (ntfy's publish API); a topic with
// access control takes `Authorization: Bearer <access token>`.
import { DEFAULT_TIMEOUTS, NetTimeouts, timedFetch } from "../providers/http-timeouts";

export interface NtfyTarget {
  /** e.g. https://ntfy.sh */
  readonly server: string;
  readonly topic: string;
  readonly token?: string;
}

export interface Push {
  readonly title: string;
  readonly message: string;
  /** ntfy's 1-5: 4 (high) for a critical finding, 3 a warning, 2 a close. */
  readonly priority: 2 | 3 | 4;
  readonly tags: readonly string[];
  /** Opened when the notification is tapped: the issue. */
  readonly click?: string;
}

/** Sends one push; resolves to undefined on success, or why it failed (the issue is the record, a push is best effort). */
export async function push(target: NtfyTarget, p: Push, timeouts: NetTimeouts = DEFAULT_TIMEOUTS): Promise<string | undefined> {
  const headers: Record<string, string> = {
    // Header values are Latin-1 on the wire: ntfy documents RFC 2047 for anything else; keep titles ASCII.
    title: p.title.replace(/[^\x20-\x7e]/g, "-"),
    priority: String(p.priority),
    tags: p.tags.join(","),
    ...(p.click ? { click: p.click } : {}),
    ...(target.token ? { authorization: `Bearer ${target.token}` } : {}),
  };
  const url = `${target.server.replace(/\/+$/, "")}/${target.topic}`;
  try {
    const res = await timedFetch(timeouts)(url, { method: "POST", headers, body: p.message });
    if (res.ok) return undefined;
    return `${url}: HTTP ${res.status}${res.status === 401 || res.status === 403 ? " (the topic needs NTFY_TOKEN, or the token lacks write access)" : ""}`;
  } catch (err) {
    return `${url}: ${(err as Error).message}`;
  }
}
