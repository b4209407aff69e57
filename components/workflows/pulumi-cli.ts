// The Pulumi CLI release.yml runs: the official release, installed by Pulumi's own action (pinned
// by commit SHA in actions.ts) at the version of the SDK this project is locked to. Nothing is
// compiled in the workflow; the home-built engine (scripts/install-pulumi.sh) is for machines
// that cannot reach Pulumi's download site (docs/decisions.md, "The official Pulumi CLI").
import * as path from "node:path";
import { ACTIONS } from "./actions";
import { Step } from "./model";

/**
 * The one version pin: `@pulumi/pulumi` in package.json (exact) and package-lock.json. The CLI
 * must match the SDK the program runs on; tools/pulumi/go.mod and policy/package.json are
 * cross-checked against it by test/components/workflows/pulumi-cli.test.ts.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the installed SDK's own package.json is the pin; an import would pull it into rootDir
export const PULUMI_CLI_VERSION: string = (require("@pulumi/pulumi/package.json") as { version: string }).version;

/**
 * Where pulumi/actions puts the CLI it installs, relative to the runner's home (its downloadCli:
 * `~/.pulumi/bin`, added to PATH). The engine tier puts the home-built engine exactly there, so the
 * steps after the install run as they do on GitHub.
 */
export const OFFICIAL_CLI_BIN_DIR = path.join(".pulumi", "bin");

/** The install step: no shell, no `curl | sh`, nothing to build; the action only installs (no `command`). */
export function installPulumiCli(): Step {
  return { name: "Install the Pulumi CLI", uses: ACTIONS.pulumi, with: { "pulumi-version": PULUMI_CLI_VERSION } };
}
