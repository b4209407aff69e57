// Type tokens the pack polices (docs/contracts.md). Policies match on these tokens and on input
// names, never on resource names: `validateResourceOfType` cannot match dynamic resources.
export const ResourceTypes = {
  promotion: "pulumi-nodejs:dynamic/margine:Promotion",
  iaItem: "pulumi-nodejs:dynamic/margine:IaItem",
  repositoryFile: "github:index/repositoryFile:RepositoryFile",
  actionsSecret: "github:index/actionsSecret:ActionsSecret",
  actionsEnvironmentSecret: "github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret",
  actionsVariable: "github:index/actionsVariable:ActionsVariable",
  remoteCommand: "command:remote:Command",
  copyToRemote: "command:remote:CopyToRemote",
} as const;

/** What synth writes in resources.json in place of a secret value. */
export const REDACTED_SECRET = "[secret]";

/** Workflow files GitHub Actions runs. */
export function isWorkflowPath(file: unknown): file is string {
  return typeof file === "string" && /^\.github\/workflows\/[^/]+\.ya?ml$/.test(file);
}
