// Images as build.yml leaves them, for the release-notes tests: pushed with the OCI labels into the
// real docker-registry, signed with the real cosign (`cosign sign --key`, no tlog) and given their
// package list as a real `cosign attest --type RPM_PACKAGES_PREDICATE`. The keys are fixed, so the
// notes (which print the key's fingerprint) can be compared with a golden file. Test keys only:
// their private halves are here in the open and sign nothing but test images.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pushTestImage } from "../../fixtures/servers/registry";
import { OCI_LABELS } from "../../providers/oci/image-facts";
import { InstalledPackage, RPM_PACKAGES_PREDICATE } from "../../providers/oci/package-attestation";
import { requirePeer, runPeer } from "./peers";

const TEST_KEYS = {
  cosign: `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgrmZ2gqV7MkvFrQdN
+franwD2SmTjRkgIYOfjVDDs3N6hRANCAATNgJiHV7iamCVxNGBuYUNTnrDOVpwX
o7qw2Ns4JKktVyVjQgw+dTv0ruQcVEnJe/0/MEUFfbz66Fbm7xVO/Mqt
-----END PRIVATE KEY-----
`,
  other: `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgGO1+kX+fdx56OJon
N8/vg82y+qvs0Du6UIKQVO1ZUk6hRANCAARSMfqrnkZwzirH/H4IkoGnlKzefyw1
9VNGZxmWkHz14/dXJ2knHSqX9d5HErOlq3cTZm7rsFTHsZYSd7gQOBSz
-----END PRIVATE KEY-----
`,
};

export type TestKey = keyof typeof TEST_KEYS;

export interface ReleaseImageSpec {
  readonly seed: string;
  readonly created: string;
  readonly version?: string;
  readonly revision?: string;
  readonly baseDigest?: string;
  readonly packages?: readonly InstalledPackage[];
  /** Which key attests the package list; none: not attested. */
  readonly attestWith?: TestKey | "none";
  readonly signWith?: TestKey | "none";
  readonly sharedLayers?: readonly string[];
}

export const SOURCE = "https://github.com/daniel-g-carrasco/margine-image";
export const BASE_NAME = "quay.io/fedora/fedora-bootc:42";

/** cosign with the fixed keys imported, in a scratch HOME. */
export class ReleaseImageBuilder {
  readonly work = fs.mkdtempSync(path.join(os.tmpdir(), "margine-notes-"));
  private readonly cosign = requirePeer("cosign");
  private readonly env = { COSIGN_PASSWORD: "", HOME: path.join(this.work, "home") };

  constructor(
    readonly host: string,
    readonly repository = "margine",
  ) {}

  get image(): string {
    return `${this.host}/${this.repository}`;
  }

  publicKeyFile(key: TestKey): string {
    return path.join(this.work, `${key}.pub`);
  }

  async importKeys(): Promise<void> {
    fs.mkdirSync(this.env.HOME, { recursive: true });
    for (const [name, pem] of Object.entries(TEST_KEYS)) {
      fs.writeFileSync(path.join(this.work, `${name}.pem`), pem);
      await this.cosignRun(["import-key-pair", "--key", `${name}.pem`, "--output-key-prefix", name, "--yes"]);
    }
  }

  async cosignRun(args: string[]): Promise<void> {
    const res = await runPeer(this.cosign, args, { cwd: this.work, env: this.env });
    assert.equal(res.code, 0, `cosign ${args[0]}: ${res.stderr}`);
  }

  async push(spec: ReleaseImageSpec): Promise<string> {
    const labels: Record<string, string> = { [OCI_LABELS.source]: SOURCE, [OCI_LABELS.created]: spec.created, [OCI_LABELS.baseName]: BASE_NAME };
    if (spec.version) labels[OCI_LABELS.version] = spec.version;
    if (spec.revision) labels[OCI_LABELS.revision] = spec.revision;
    if (spec.baseDigest) labels[OCI_LABELS.baseDigest] = spec.baseDigest;
    const { digest } = await pushTestImage(this.host, this.repository, `candidate-${spec.seed}`, {
      seed: spec.seed,
      created: spec.created,
      labels,
      sharedLayers: spec.sharedLayers,
    });
    const http = ["--allow-insecure-registry", "--allow-http-registry", "--tlog-upload=false", "--yes"];
    const ref = `${this.image}@${digest}`;
    if ((spec.signWith ?? "cosign") !== "none") await this.cosignRun(["sign", "--key", `${spec.signWith ?? "cosign"}.key`, ...http, ref]);
    if ((spec.attestWith ?? "cosign") !== "none") {
      const predicate = path.join(this.work, `packages-${spec.seed}.json`);
      fs.writeFileSync(predicate, JSON.stringify({ packages: spec.packages ?? [] }));
      await this.cosignRun(["attest", "--key", `${spec.attestWith ?? "cosign"}.key`, "--type", RPM_PACKAGES_PREDICATE, "--predicate", predicate, ...http, ref]);
    }
    return digest;
  }

  dispose(): void {
    fs.rmSync(this.work, { recursive: true, force: true });
  }
}

/** `count` packages named pkg-0000.. at version 1.N, for the large-diff cases. */
export function manyPackages(count: number, release: string): InstalledPackage[] {
  return Array.from({ length: count }, (_, i) => ({ name: `pkg-${String(i).padStart(4, "0")}`, evr: `0:1.${i}-${release}`, arch: "x86_64" }));
}
