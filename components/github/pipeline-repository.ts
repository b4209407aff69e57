// This repository (margine-pipeline): its release workflow runs `pulumi up` on main, and that job
// performs the SiteRelease bump, so SITE_BUMP_TOKEN lives here, in the `prod` environment.
import { StackConfig } from "../../config/stack";
import { RepositorySettingsArgs } from "./repository-settings";

export const PIPELINE_ENVIRONMENTS = {
  /** release.yml `up`: the only job that changes the world. */
  prod: "prod",
} as const;

export const PIPELINE_SECRETS = {
  siteBumpToken: "SITE_BUMP_TOKEN",
} as const;

export const PIPELINE_VARIABLES = {
  /** The shared state backend of release.yml (config `stateBackendUrl`). */
  stateBackendUrl: "PULUMI_BACKEND_URL",
} as const;

export function pipelineRepositorySettings(config: StackConfig): RepositorySettingsArgs {
  return {
    repository: config.pipelineRepository,
    environments: Object.values(PIPELINE_ENVIRONMENTS),
    secrets: [
      { name: PIPELINE_SECRETS.siteBumpToken, value: config.secrets.siteBumpToken, environment: PIPELINE_ENVIRONMENTS.prod, usedBy: "release.yml up (SiteRelease)" },
    ],
    variables: config.stateBackendUrl === undefined ? {} : { [PIPELINE_VARIABLES.stateBackendUrl]: config.stateBackendUrl },
    labels: [],
    requiredChecks: ["preview"],
  };
}
