// One Pulumi project, two kinds of stack (docs/stacks.md). The platform stack changes rarely and
// holds every admin credential; the release stack changes weekly through reviewed pull requests
// and holds no secret at all, so the code of a release PR can preview it without any.
import { ConfigError } from "./errors";

/** The Pulumi project name (Pulumi.yaml): the namespace of every config key. */
export const PROJECT = "margine-pipeline";

export const STACK_ROLES = ["platform", "release"] as const;
export type StackRole = (typeof STACK_ROLES)[number];

/** The config key naming a stack's role; a stack file without it is a platform stack. */
export const STACK_ROLE_KEY = "stackRole";

export function parseStackRole(value: unknown, key: string): StackRole {
  if (value === undefined) return "platform";
  if (typeof value === "string" && (STACK_ROLES as readonly string[]).includes(value)) return value as StackRole;
  throw new ConfigError(key, value, `one of ${STACK_ROLES.join(", ")} (platform when unset)`);
}
