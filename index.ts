// Composition root. One Pulumi project, two kinds of stack (docs/stacks.md): the platform stack
// (GitHub, workflows, Cloudflare, the edge VM: rare changes, admin credentials) and the release
// stack (Promotion, IaItems, SiteRelease: weekly, reviewed pull requests, no secret in its config).
// The stack file's `margine-pipeline:stackRole` says which one a stack is.
import * as pulumi from "@pulumi/pulumi";
import { PROJECT } from "./config/stack";
import { parseStackRole, STACK_ROLE_KEY } from "./config/stack-role";
import { ConfigError } from "./config/errors";
import { platformStack } from "./stacks/platform";
import { releaseStack } from "./stacks/release";

function stackRole() {
  try {
    return parseStackRole(new pulumi.Config(PROJECT).get(STACK_ROLE_KEY), `${PROJECT}:${STACK_ROLE_KEY}`);
  } catch (err) {
    if (err instanceof ConfigError) throw new pulumi.RunError(err.message);
    throw err;
  }
}

export = stackRole() === "release" ? releaseStack() : platformStack();
