// Composition root. One Pulumi project, two kinds of stack (docs/stacks.md): the platform stack
// (GitHub, workflows, Cloudflare, the edge VM: rare changes, admin credentials) and the release
// stack (Promotion, IaItems, SiteRelease: weekly, reviewed pull requests, no secret in its config).
// The stack file's `margine-pipeline:stackRole` says which one a stack is.
import * as pulumi from "@pulumi/pulumi";
import { PROJECT, readingConfig } from "./config/stack";
import { parseStackRole, STACK_ROLE_KEY } from "./config/stack-role";
import { platformStack } from "./stacks/platform";
import { releaseStack } from "./stacks/release";

const role = readingConfig(() => parseStackRole(new pulumi.Config(PROJECT).get(STACK_ROLE_KEY), `${PROJECT}:${STACK_ROLE_KEY}`));

export = role === "release" ? releaseStack() : platformStack();
