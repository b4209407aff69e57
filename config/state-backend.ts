// Where release.yml keeps Pulumi state (docs/stacks.md). A CI runner starts empty, so `pulumi up`
// there needs a shared backend, the one the maintainer logs in to, reached through GitHub OIDC.
import { ConfigError } from "./errors";
import { PROJECT } from "./stack-role";

/** IAM roles release.yml assumes: read-only for pull-request previews, read-write for `up`. */
export interface StateRoles {
  readonly read: string;
  readonly write: string;
}

// release.yml authenticates to s3:// only (GitHub OIDC), and Pulumi's S3 client (AWS SDK v2)
// needs a region a runner does not set: checked here, before the variable reaches a workflow.
const S3_BACKEND = /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[^?\s]*)?\?(\S*&)?region=[a-z0-9-]+(&\S*)?$/;
const ROLE_ARN = /^arn:aws:iam::\d{12}:role\/[\w+=,.@/-]{1,128}$/;

export function parseStateBackendUrl(url: string | undefined): string | undefined {
  if (url !== undefined && !S3_BACKEND.test(url)) {
    throw new ConfigError(
      `${PROJECT}:stateBackendUrl`,
      url,
      "a shared s3:// backend with its region, e.g. s3://my-bucket/margine?region=eu-central-1 (release.yml reaches S3 through GitHub OIDC; a file:// backend is local to one machine)",
    );
  }
  return url;
}

export function parseStateRoles(raw: unknown): StateRoles | undefined {
  if (raw === undefined) return undefined;
  const roles = raw as { read?: unknown; write?: unknown };
  if (typeof raw !== "object" || raw === null || !ROLE_ARN.test(String(roles.read)) || !ROLE_ARN.test(String(roles.write))) {
    throw new ConfigError(
      `${PROJECT}:stateRoles`,
      raw,
      "{read: arn:aws:iam::ACCOUNT:role/NAME, write: arn:aws:iam::ACCOUNT:role/NAME}, the roles release.yml assumes for the s3 state backend",
    );
  }
  return { read: String(roles.read), write: String(roles.write) };
}
