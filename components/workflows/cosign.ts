// The cosign the image workflows run: pinned to one release, the one build.yml signs
// with and smoke-boot verifies with, and the test peer scripts/install-peers.sh builds.
//
// The format matters more than the version: clients rebase with ostree-image-signed, and
// containers/image (what bootc and rpm-ostree use) reads only the `sha256-<hex>.sig` tag format.
// cosign v2 writes that by default; cosign v3 writes Sigstore bundles (OCI referrers) by default
// and writes the `.sig` tag only with --new-bundle-format=false --use-signing-config=false.
import { ACTIONS } from "./actions";
import { Step } from "./model";

/** The pinned cosign release (scripts/install-peers.sh builds the same one for the tests). */
export const COSIGN_VERSION = "v2.6.1";

/** What cosign v3 and later need to keep writing the `.sig` tag format clients verify. */
export const LEGACY_SIGNATURE_FLAGS = ["--new-bundle-format=false", "--use-signing-config=false"] as const;

export function cosignMajor(version: string): number {
  const m = /^v?(\d+)\.\d+\.\d+/.exec(version);
  if (!m) throw new Error(`cosign version ${JSON.stringify(version)} is not vMAJOR.MINOR.PATCH`);
  return Number(m[1]);
}

/** The flags `cosign sign` needs at `version` to write the `.sig` tag format. */
export function signFormatFlags(version: string): readonly string[] {
  return cosignMajor(version) >= 3 ? LEGACY_SIGNATURE_FLAGS : [];
}

/** Why a `cosign sign` command line at `version` would not write the `.sig` format, if it would not. */
export function signFormatProblem(version: string, signCommand: string): string | undefined {
  const missing = signFormatFlags(version).filter((flag) => !signCommand.split(/\s+/).includes(flag));
  return missing.length === 0
    ? undefined
    : `cosign ${version} writes Sigstore bundles by default, which containers/image (bootc, rpm-ostree) cannot verify; \`${signCommand.trim()}\` lacks ${missing.join(" ")}`;
}

/** cosign-installer with the pinned release (its own default follows the installer's version). */
export function installCosign(): Step {
  return { name: `Install cosign ${COSIGN_VERSION}`, uses: ACTIONS.cosignInstaller, with: { "cosign-release": COSIGN_VERSION } };
}

/**
 * smoke-boot's gate: the pinned digest's signature verifies with the image repository's published
 * cosign.pub (the key clients verify with) before anything is booted, so an unsigned build (its sign
 * job failed or has not finished) never reaches a release pull request.
 */
export const VERIFY_PINNED_SCRIPT = `# The key clients verify with (handbook 11.6): the image repository's published cosign.pub.
if [[ ! -s cosign.pub ]]; then
  echo "::error::cosign.pub is missing from the image repository: clients verify :stable against it, so nothing is booted or promoted without it"
  exit 1
fi
if ! cosign verify --key cosign.pub "$PINNED" > "$RUNNER_TEMP/cosign-verify.json"; then
  echo "::error::\${PINNED} is not signed by cosign.pub (its sign job failed or has not finished): not booting, no release pull request"
  exit 1
fi
echo "Signature of \${PINNED} verified with cosign.pub"
`;
