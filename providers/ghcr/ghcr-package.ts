// GhcrPackage: the GHCR package's settings that no API can write (visibility, linked repository).
// The provider reads them, shows drift in preview, and fails `pulumi up` with the settings URL.
import * as pulumi from "@pulumi/pulumi";
import { ContainerPackage, ContainerPackageRef, ContainerPackagesApi, PackageOwnerType, packageSettingsUrl } from "./packages-api";

export interface GhcrPackageInputs {
  readonly owner: string;
  readonly ownerType: PackageOwnerType;
  readonly name: string;
  /** What the package must be: bootc clients pull anonymously, so Margine's is public. */
  readonly expectedVisibility: "public" | "private";
  /** `owner/name` the package must be linked to, so the repository's GITHUB_TOKEN can push. */
  readonly expectedRepository: string;
  /** REST API root (tests point it at a local stand-in). */
  readonly apiUrl: string;
}

export interface GhcrPackageOutputs extends GhcrPackageInputs {
  /** `missing` until the first push creates the package. */
  readonly visibility: ContainerPackage["visibility"] | "missing";
  readonly repository: string | null;
  readonly settingsUrl: string;
}

/** Why the observed package differs from the declaration, one sentence per field; [] when it matches. */
export function packageDrift(inputs: GhcrPackageInputs, observed: ContainerPackage | undefined): string[] {
  if (!observed) {
    return [`the package does not exist yet; push the first image from ${inputs.expectedRepository} (build.yml), then run pulumi up again`];
  }
  const drift: string[] = [];
  if (observed.visibility !== inputs.expectedVisibility) {
    drift.push(`visibility is ${observed.visibility}, expected ${inputs.expectedVisibility}`);
  }
  if (observed.repository?.toLowerCase() !== inputs.expectedRepository.toLowerCase()) {
    drift.push(`linked repository is ${observed.repository ?? "none"}, expected ${inputs.expectedRepository}`);
  }
  return drift;
}

// Not named `check`: the closure serializer resolves a free `check` inside the method of the same
// name to the method itself, and the host then fails with "check is not defined".
function inputFailures(inputs: GhcrPackageInputs): pulumi.dynamic.CheckFailure[] {
  const failures: pulumi.dynamic.CheckFailure[] = [];
  if (!/^[A-Za-z0-9-]{1,39}$/.test(inputs.owner ?? "")) failures.push({ property: "owner", reason: "expected a GitHub user or organization name" });
  if (inputs.ownerType !== "user" && inputs.ownerType !== "org") failures.push({ property: "ownerType", reason: "expected user or org" });
  if (!/^[a-z0-9]+([._/-][a-z0-9]+)*$/.test(inputs.name ?? ""))
    failures.push({ property: "name", reason: "expected a lowercase container package name such as margine" });
  if (inputs.expectedVisibility !== "public" && inputs.expectedVisibility !== "private")
    failures.push({ property: "expectedVisibility", reason: "expected public or private" });
  if (!/^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/.test(inputs.expectedRepository ?? ""))
    failures.push({ property: "expectedRepository", reason: "expected OWNER/NAME" });
  if (!/^https?:\/\//.test(inputs.apiUrl ?? "")) failures.push({ property: "apiUrl", reason: "expected the GitHub REST API root URL" });
  return failures;
}

/**
 * The dynamic provider. Credentials come from `configure` (the stack's `github:token`) or the
 * GITHUB_TOKEN environment variable at call time, never from a field set at program time, so
 * nothing secret is serialized into `__provider`.
 */
export class GhcrPackageProvider implements pulumi.dynamic.ResourceProvider<GhcrPackageInputs, GhcrPackageOutputs> {
  private token: string | undefined;

  async configure(req: pulumi.dynamic.ConfigureRequest): Promise<void> {
    this.token = req.config.get("github:token");
  }

  private async observe(inputs: GhcrPackageInputs): Promise<{ ref: ContainerPackageRef; observed: ContainerPackage | undefined; settingsUrl: string }> {
    const ref = { owner: inputs.owner, ownerType: inputs.ownerType, name: inputs.name };
    const client = new ContainerPackagesApi({ token: this.token ?? process.env.GITHUB_TOKEN, baseUrl: inputs.apiUrl });
    return { ref, observed: await client.getPackage(ref), settingsUrl: packageSettingsUrl(ref) };
  }

  private async verified(inputs: GhcrPackageInputs): Promise<GhcrPackageOutputs> {
    const { observed, settingsUrl } = await this.observe(inputs);
    const drift = packageDrift(inputs, observed);
    if (drift.length > 0) {
      throw new Error(
        `ghcr.io/${inputs.owner}/${inputs.name}: ${drift.join("; ")}. GitHub has no API for these settings: ` +
          `change them at ${settingsUrl} (visibility under "Danger Zone", the repository under "Manage Actions access"), then run pulumi up again.`,
      );
    }
    return { ...inputs, visibility: observed!.visibility, repository: observed!.repository, settingsUrl };
  }

  async check(_olds: GhcrPackageInputs, news: GhcrPackageInputs): Promise<pulumi.dynamic.CheckResult<GhcrPackageInputs>> {
    return { inputs: news, failures: inputFailures(news) };
  }

  async diff(_id: string, olds: GhcrPackageOutputs, news: GhcrPackageInputs): Promise<pulumi.dynamic.DiffResult> {
    const inputsChanged = (Object.keys(news) as (keyof GhcrPackageInputs)[]).some((k) => olds[k] !== news[k]);
    // The interesting change is the one nobody declared: settings changed by hand on github.com.
    const { observed } = await this.observe(news);
    const drifted = packageDrift(news, observed).length > 0;
    return { changes: inputsChanged || drifted, replaces: [] };
  }

  async create(inputs: GhcrPackageInputs): Promise<pulumi.dynamic.CreateResult<GhcrPackageOutputs>> {
    return { id: `${inputs.owner}/${inputs.name}`, outs: await this.verified(inputs) };
  }

  async update(_id: string, _olds: GhcrPackageOutputs, news: GhcrPackageInputs): Promise<pulumi.dynamic.UpdateResult<GhcrPackageOutputs>> {
    return { outs: await this.verified(news) };
  }

  async read(id: string, props?: GhcrPackageOutputs): Promise<pulumi.dynamic.ReadResult<GhcrPackageOutputs>> {
    if (!props) throw new Error(`GhcrPackage ${id}: import is not supported; declare the package in the program instead`);
    const { observed, settingsUrl } = await this.observe(props);
    return {
      id,
      props: { ...props, visibility: observed?.visibility ?? "missing", repository: observed?.repository ?? null, settingsUrl },
    };
  }

  async delete(): Promise<void> {
    // Removing the declaration never deletes the package: clients track its :stable tag.
  }
}

export interface GhcrPackageArgs {
  readonly owner: pulumi.Input<string>;
  readonly ownerType?: pulumi.Input<PackageOwnerType>;
  readonly name: pulumi.Input<string>;
  readonly expectedVisibility: pulumi.Input<"public" | "private">;
  readonly expectedRepository: pulumi.Input<string>;
  readonly apiUrl?: pulumi.Input<string>;
}

export class GhcrPackage extends pulumi.dynamic.Resource {
  declare readonly visibility: pulumi.Output<string>;
  declare readonly repository: pulumi.Output<string | null>;
  declare readonly settingsUrl: pulumi.Output<string>;

  constructor(name: string, args: GhcrPackageArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      new GhcrPackageProvider(),
      name,
      {
        ownerType: "user",
        apiUrl: "https://api.github.com",
        ...args,
        visibility: undefined,
        repository: undefined,
        settingsUrl: undefined,
      },
      opts,
      "margine",
      "GhcrPackage",
    );
  }
}
