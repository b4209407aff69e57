// GitHub Packages REST API for container packages. Plain TypeScript over @octokit/rest: used by the
// GhcrPackage provider and by the retention script; never imports @pulumi/pulumi.

import { githubClient, networkFailure } from "../github-client";
import { NetTimeouts, notJsonReason } from "../http-timeouts";
import { ProviderError } from "../provider-error";

export type PackageOwnerType = "user" | "org";

export interface ContainerPackageRef {
  readonly owner: string;
  readonly ownerType: PackageOwnerType;
  /** Package name as GitHub spells it (the image path after the owner, `/` encoded by octokit). */
  readonly name: string;
}

/** What GitHub reports about a container package. */
export interface ContainerPackage {
  readonly visibility: "public" | "private" | "internal";
  /** `owner/name` of the linked repository, or null when the package is not linked. */
  readonly repository: string | null;
  readonly htmlUrl: string;
}

export interface PackagesApiOptions {
  readonly token?: string;
  /** REST API root; https://api.github.com unless a GitHub Enterprise or a local stand-in is used. */
  readonly baseUrl?: string;
  readonly timeouts?: NetTimeouts;
}

/** An API answer we cannot act on, with the package and what to do. */
export class PackagesApiError extends ProviderError {
  constructor(
    readonly pkg: ContainerPackageRef,
    readonly status: number | undefined,
    message: string,
  ) {
    super(`ghcr.io/${pkg.owner}/${pkg.name}: ${message}`, "PackagesApiError");
  }
}

/** The settings page where visibility and Actions access are changed by hand (no API exists). */
export function packageSettingsUrl(pkg: ContainerPackageRef): string {
  const scope = pkg.ownerType === "org" ? `orgs/${pkg.owner}` : `users/${pkg.owner}`;
  return `https://github.com/${scope}/packages/container/${encodeURIComponent(pkg.name)}/settings`;
}

/** One package version: one digest carrying ALL its tags (reference: "the GHCR trap"). */
export interface ContainerPackageVersion {
  readonly id: number;
  /** The manifest digest. */
  readonly name: string;
  readonly createdAt: string;
  readonly tags: string[];
}

export class ContainerPackagesApi {
  constructor(private readonly options: PackagesApiOptions) {}

  private octokit() {
    return githubClient({ token: this.options.token, baseUrl: this.options.baseUrl, timeouts: this.options.timeouts });
  }

  /**
   * Why a call failed, in words that match the cause: no answer at all (the URL and why), no token,
   * a refused token (the scope it needs), or GitHub's own status and message.
   */
  private failure(pkg: ContainerPackageRef, err: unknown, doing: string, scope: string): PackagesApiError {
    const network = networkFailure(err);
    if (network) return new PackagesApiError(pkg, undefined, `${doing} failed: ${network.message}`);
    const status = (err as { status?: number }).status;
    if ((status === 401 || status === 403) && !this.options.token) {
      return new PackagesApiError(pkg, status, `${doing} failed (HTTP ${status}): GITHUB_TOKEN is not set; set it to a token with ${scope}`);
    }
    if (status === 401 || status === 403)
      return new PackagesApiError(pkg, status, `${doing} failed (HTTP ${status}): GitHub refused the token; it needs ${scope}`);
    return new PackagesApiError(pkg, status, `${doing} failed (HTTP ${status ?? "?"}): ${(err as Error).message}`);
  }

  /** The package, or undefined when it does not exist (yet): the first build.yml push creates it. */
  async getPackage(pkg: ContainerPackageRef): Promise<ContainerPackage | undefined> {
    const octokit = await this.octokit();
    try {
      const res =
        pkg.ownerType === "org"
          ? await octokit.rest.packages.getPackageForOrganization({ org: pkg.owner, package_type: "container", package_name: pkg.name })
          : await octokit.rest.packages.getPackageForUser({ username: pkg.owner, package_type: "container", package_name: pkg.name });
      return {
        visibility: res.data.visibility as ContainerPackage["visibility"],
        repository: res.data.repository?.full_name ?? null,
        htmlUrl: res.data.html_url,
      };
    } catch (err) {
      const status = (err as { status?: number }).status;
      if (status === 404 && !networkFailure(err)) return undefined;
      throw this.failure(pkg, err, "reading the package", "the read:packages scope");
    }
  }
  /** Every version of the package, following pages of 100. */
  async listVersions(pkg: ContainerPackageRef): Promise<ContainerPackageVersion[]> {
    const octokit = await this.octokit();
    const versions: ContainerPackageVersion[] = [];
    for (let page = 1; ; page++) {
      try {
        const res =
          pkg.ownerType === "org"
            ? await octokit.rest.packages.getAllPackageVersionsForPackageOwnedByOrg({
                org: pkg.owner,
                package_type: "container",
                package_name: pkg.name,
                per_page: 100,
                page,
              })
            : await octokit.rest.packages.getAllPackageVersionsForPackageOwnedByUser({
                username: pkg.owner,
                package_type: "container",
                package_name: pkg.name,
                per_page: 100,
                page,
              });
        if (!Array.isArray(res.data)) {
          throw new PackagesApiError(
            pkg,
            res.status,
            `listing package versions: ${this.options.baseUrl ?? "https://api.github.com"} ${notJsonReason(String(res.headers["content-type"] ?? ""), typeof res.data === "string" ? res.data : JSON.stringify(res.data))}`,
          );
        }
        for (const v of res.data) {
          versions.push({ id: v.id, name: v.name, createdAt: v.created_at, tags: v.metadata?.container?.tags ?? [] });
        }
        if (res.data.length < 100) return versions;
      } catch (err) {
        throw this.failure(pkg, err, "listing package versions", "read:packages");
      }
    }
  }

  /** Deletes one version, and with it every tag it carries: callers decide that none is protected. */
  async deleteVersion(pkg: ContainerPackageRef, versionId: number): Promise<void> {
    const octokit = await this.octokit();
    try {
      if (pkg.ownerType === "org") {
        await octokit.rest.packages.deletePackageVersionForOrg({
          org: pkg.owner,
          package_type: "container",
          package_name: pkg.name,
          package_version_id: versionId,
        });
      } else {
        await octokit.rest.packages.deletePackageVersionForUser({
          username: pkg.owner,
          package_type: "container",
          package_name: pkg.name,
          package_version_id: versionId,
        });
      }
    } catch (err) {
      throw this.failure(pkg, err, `deleting version ${versionId}`, "delete:packages");
    }
  }
}
