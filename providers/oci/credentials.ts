// Where registry credentials come from, read at call time (never stored at program time, so nothing
// secret is serialized with the provider): REGISTRY_USERNAME/REGISTRY_PASSWORD, then GITHUB_TOKEN
// for ghcr.io (GHCR accepts any username with a GitHub token). None: anonymous pulls.

export interface RegistryCredentials {
  readonly username?: string;
  readonly password?: string;
}

export function registryCredentials(registry: string, env: NodeJS.ProcessEnv): RegistryCredentials {
  if (env.REGISTRY_PASSWORD) return { username: env.REGISTRY_USERNAME, password: env.REGISTRY_PASSWORD };
  if (registry === "ghcr.io" && env.GITHUB_TOKEN) return { username: env.GITHUB_ACTOR ?? "token", password: env.GITHUB_TOKEN };
  return {};
}
