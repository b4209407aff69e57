// Where the release watch (watch.yml) pushes when it opens or closes an issue (docs/watch.md).
import { ConfigError } from "./errors";
import { PROJECT } from "./stack-role";
import { isHttpsUrl, isNtfyTopic } from "../grammar/values";

export interface NtfyTarget {
  readonly server: string;
  readonly topic: string;
}

/** None when unset: the watch then opens and closes issues only. */
export function parseWatchNtfy(raw: unknown): NtfyTarget | undefined {
  if (raw === undefined) return undefined;
  const { server, topic } = (raw ?? {}) as { server?: unknown; topic?: unknown };
  if (typeof raw !== "object" || raw === null || !isHttpsUrl(server) || !isNtfyTopic(topic)) {
    throw new ConfigError(
      `${PROJECT}:watchNtfy`,
      raw,
      "{server: https://ntfy.sh, topic: NAME} (a topic of 1-64 letters, digits, - or _), where the release watch pushes",
    );
  }
  return { server, topic };
}
