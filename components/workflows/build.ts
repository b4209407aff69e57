// build.yml of the image repository (handbook 11.1): build, rechunk, push the candidate tags with
// one captured digest, sign that digest.
import { TagGrammar } from "../../grammar/values";
import { IMAGE_ENVIRONMENTS, PR_BUILD_CHECK, VM_TEST_LABEL } from "../github/image-repository";
import { ACTIONS, TOOL_IMAGES } from "./actions";
import { COSIGN_VERSION, installCosign, signFormatFlags } from "./cosign";
import { job } from "./jobs";
import { Step, Workflow } from "./model";
import { checkout, downloadArtifact, run, uploadArtifact } from "./steps";
import { OCI_LABELS } from "../../providers/oci/image-facts";
import { RPM_PACKAGES_PREDICATE } from "../../providers/oci/package-attestation";

/** The moving tag of the newest build; the boot gate (smoke-boot) reads it exactly once. */
export const CANDIDATE_TAG = "candidate";
if (TagGrammar.parse(CANDIDATE_TAG)?.kind !== "candidate") throw new Error(`CANDIDATE_TAG ${CANDIDATE_TAG} is outside the tag grammar`);

const IS_PR = "github.event_name == 'pull_request'";
/** Candidate tags come from main only: never from a dispatch on another branch. */
const ON_MAIN = `!(${IS_PR}) && github.ref == 'refs/heads/main'`;
const PR_LABELED = `contains(github.event.pull_request.labels.*.name, '${VM_TEST_LABEL}')`;

/**
 * docker/metadata-action tags, one line each, exactly the grammar's build-side kinds: `candidate`
 * and `candidate.YYYYMMDD` on main pushes and the weekly cron, `pr-N` on pull requests. No
 * `latest` (flavor latest=false): "most recently built" is not "recommended" on an OS image.
 */
export const METADATA_TAGS = [
  `type=raw,value=${CANDIDATE_TAG},enable=\${{ github.event_name != 'pull_request' }}`,
  `type=raw,value=${CANDIDATE_TAG}.{{date 'YYYYMMDD'}},enable=\${{ github.event_name != 'pull_request' }}`,
  `type=ref,event=pr,prefix=pr-,enable=\${{ ${IS_PR} }}`,
];

const PUSH_SCRIPT = `# --digestfile is the load-bearing flag: the digest of the first push is captured once and every
# later tag must land on the same manifest; the sign job receives IMAGE@DIGEST, never a tag.
AUTH_FILE="$RUNNER_TEMP/registry-auth.json"
printf '%s' "$REGISTRY_PASSWORD" | sudo skopeo login --authfile "$AUTH_FILE" --username "$REGISTRY_USER" --password-stdin "\${IMG_FULL%%/*}"
DIGEST=""
DIGEST_FILE="$RUNNER_TEMP/digest.txt"
while IFS= read -r ref; do
  [[ -n "$ref" ]] || continue
  sudo skopeo copy --retry-times 3 \\
    --dest-authfile "$AUTH_FILE" \\
    --digestfile="$DIGEST_FILE" \\
    "$SOURCE_REF" \\
    "docker://\${ref}"
  pushed="$(cat "$DIGEST_FILE")"
  if [[ -z "$DIGEST" ]]; then
    DIGEST="$pushed"
  elif [[ "$pushed" != "$DIGEST" ]]; then
    echo "::error::\${ref} was pushed as \${pushed} but the first tag as \${DIGEST}: the tags would split across manifests"
    exit 1
  fi
done <<< "$TAGS"
if [[ ! "$DIGEST" =~ ^sha256:[0-9a-f]{64}$ ]]; then
  echo "::error::no manifest digest captured from skopeo --digestfile (tags: $TAGS)"
  exit 1
fi
echo "digest=\${DIGEST}" >> "$GITHUB_OUTPUT"
echo "image_ref=\${IMG_FULL}@\${DIGEST}" >> "$GITHUB_OUTPUT"
`;

const SIGN_SCRIPT = `# Sign by digest, never by tag: a tag can move between sign and verify. --recursive also signs each
# platform manifest of an index: bootc pulls one platform, and containers/image verifies that one.
if [[ ! "$DIGEST" =~ ^sha256:[0-9a-f]{64}$ ]]; then
  echo "::error::the build job handed over '\${DIGEST}', not a manifest digest; refusing to sign"
  exit 1
fi
printf '%s' "$REGISTRY_PASSWORD" | cosign login "\${IMAGE%%/*}" --username "$REGISTRY_USER" --password-stdin
cosign sign --yes --recursive --key env://COSIGN_PRIVATE_KEY ${signFormatFlags(COSIGN_VERSION)
  .map((f) => `${f} `)
  .join("")}"\${IMAGE}@\${DIGEST}"
`;

/** The pushed digest's package list, handed from the build job to the sign job, which attests it. */
export const PACKAGE_LIST_FILE = "packages.json";

// What the release notes diff (docs/release-notes.md): the package list of exactly the pushed
// digest, as the image's own rpm database reports it. A package list, not an SBOM: small and fast.
export const RECORD_PACKAGES_SCRIPT = `LIST="$RUNNER_TEMP/rpm-qa.tsv"
# shellcheck disable=SC2024 # podman needs root (the image is in root's storage); the list is the runner's file
sudo podman run --rm --pull=always --authfile "$RUNNER_TEMP/registry-auth.json" --entrypoint rpm "$PINNED" \\
  -qa --queryformat '%{NAME}\\t%{EPOCHNUM}:%{VERSION}-%{RELEASE}\\t%{ARCH}\\n' > "$LIST"
count="$(wc -l < "$LIST")"
if ((count == 0)); then
  echo "::error::rpm -qa in \${PINNED} listed no package: nothing to attest"
  exit 1
fi
jq -Rn '{packages: [inputs | split("\\t") | select(length == 3) | {name: .[0], evr: .[1], arch: .[2]}]}' < "$LIST" > ${PACKAGE_LIST_FILE}
echo "Recorded $count packages of \${PINNED}"
`;

// Attested by digest with the signing key, so the list is exactly as trustworthy as the signature
// the Promotion checks; a documented predicate type, which the release notes require.
const ATTEST_SCRIPT = `cosign attest --yes --key env://COSIGN_PRIVATE_KEY --type "${RPM_PACKAGES_PREDICATE}" ${signFormatFlags(COSIGN_VERSION)
  .map((f) => `${f} `)
  .join("")}\\
  --predicate "package-list/${PACKAGE_LIST_FILE}" "\${IMAGE}@\${DIGEST}"
`;

const PR_IMAGE_ARCHIVE = "image.oci.tar";

// The base image as two OCI labels (image-spec annotations), so the release notes can say whether
// the base moved: the Containerfile's first FROM and the digest it resolves to now, which is what
// `podman build --pull=newer` builds on. A FROM built from ARGs cannot be resolved here: a warning,
// and the notes show no base.
export const BASE_IMAGE_SCRIPT = `file=Containerfile
[[ -f "$file" ]] || file=Dockerfile
base="$(awk 'toupper($1) == "FROM" { for (i = 2; i <= NF; i++) if ($i !~ /^--/) { print $i; exit } }' "$file")"
if [[ -z "$base" || "$base" == *'$'* ]]; then
  echo "::warning::\${file}'s FROM (\${base:-none}) cannot be resolved before the build: the release notes will show no base image"
  exit 0
fi
digest="$(skopeo inspect --no-tags --format '{{.Digest}}' "docker://\${base}")"
if [[ ! "$digest" =~ ^sha256:[0-9a-f]{64}$ ]]; then
  echo "::error::the base image \${base} resolved to '\${digest}', not a manifest digest"
  exit 1
fi
{
  echo "labels<<MARGINE_LABELS"
  echo "${OCI_LABELS.baseName}=\${base%@*}"
  echo "${OCI_LABELS.baseDigest}=\${digest}"
  echo "MARGINE_LABELS"
} >> "$GITHUB_OUTPUT"
echo "Base image \${base} is \${digest}"
`;

/** Check out, compute the tags, build, rechunk: the same on main and on pull requests. */
function buildAndRechunk(): Step[] {
  return [
    checkout(),
    {
      name: "Image tags (tag grammar, no latest)",
      id: "metadata",
      uses: ACTIONS.metadata,
      with: { images: "${{ vars.IMAGE_NAME }}", flavor: "latest=false", tags: METADATA_TAGS.join("\n") },
    },
    run("Base image of the build", BASE_IMAGE_SCRIPT, { id: "base" }),
    run("Build the image", "sudo podman build --pull=newer --tag localhost/margine:build ."),
    {
      name: "Rechunk",
      id: "rechunk",
      uses: ACTIONS.rechunk,
      with: {
        rechunk: TOOL_IMAGES.rechunk,
        ref: "localhost/margine:build",
        "prev-ref": `\${{ vars.IMAGE_NAME }}:${CANDIDATE_TAG}`,
        version: "${{ steps.metadata.outputs.version }}",
        revision: "${{ github.sha }}",
        labels: "${{ steps.metadata.outputs.labels }}\n${{ steps.base.outputs.labels }}",
      },
    },
  ];
}

const SAVE_PR_IMAGE_SCRIPT = `sudo skopeo copy "$SOURCE_REF" "oci-archive:$RUNNER_TEMP/${PR_IMAGE_ARCHIVE}"
sudo chown "$(id -u)" "$RUNNER_TEMP/${PR_IMAGE_ARCHIVE}"
`;

export function buildWorkflow(): Workflow {
  return {
    fileName: "build.yml",
    name: "build",
    header: [
      "Generated by margine-pipeline (components/workflows/build.ts); edits here are overwritten.",
      "Handbook 11.1: candidate tags through docker/metadata-action, one digest per build, signed by digest.",
    ],
    on: {
      push: { branches: ["main"] },
      pullRequest: { branches: ["main"], types: ["opened", "synchronize", "reopened", "labeled"] },
      schedule: [{ cron: "17 4 * * 1" }],
      workflowDispatch: {},
    },
    permissions: {},
    // Pull requests: a new push supersedes the old build. main: never cancel a run halfway through
    // its tag pushes, which would leave :candidate and :candidate.YYYYMMDD on different digests.
    concurrency: { group: "build-${{ github.event.pull_request.number || github.ref }}", cancelInProgress: `\${{ ${IS_PR} }}` },
    jobs: {
      build: job({
        if: ON_MAIN,
        comment: "main (push, weekly cron, dispatch on main): the candidate tags.",
        permissions: { contents: "read", packages: "write" },
        timeoutMinutes: 120,
        outputs: { digest: "${{ steps.push.outputs.digest }}", image_ref: "${{ steps.push.outputs.image_ref }}" },
        steps: [
          ...buildAndRechunk(),
          run("Push rechunked image to GHCR", PUSH_SCRIPT, {
            id: "push",
            env: {
              IMG_FULL: "${{ vars.IMAGE_NAME }}",
              TAGS: "${{ steps.metadata.outputs.tags }}",
              SOURCE_REF: "${{ steps.rechunk.outputs.ref }}",
              REGISTRY_USER: "${{ github.actor }}",
              REGISTRY_PASSWORD: "${{ github.token }}",
            },
          }),
          run("Record the package list of the pushed digest", RECORD_PACKAGES_SCRIPT, { env: { PINNED: "${{ steps.push.outputs.image_ref }}" } }),
          uploadArtifact("package-list", PACKAGE_LIST_FILE, 7),
        ],
      }),
      build_pr: job({
        name: PR_BUILD_CHECK,
        if: IS_PR,
        comment: "Runs the pull request's code: it may read packages, never write them.",
        permissions: { contents: "read", packages: "read" },
        timeoutMinutes: 120,
        outputs: { tags: "${{ steps.metadata.outputs.tags }}" },
        steps: [
          ...buildAndRechunk(),
          { ...run("Save the image for the vm-test push", SAVE_PR_IMAGE_SCRIPT, { env: { SOURCE_REF: "${{ steps.rechunk.outputs.ref }}" } }), if: PR_LABELED },
          { ...uploadArtifact("pr-image", `\${{ runner.temp }}/${PR_IMAGE_ARCHIVE}`, 1), if: PR_LABELED },
        ],
      }),
      push_pr: job({
        needs: ["build_pr"],
        if: `${IS_PR} && ${PR_LABELED}`,
        comment: "Pushes :pr-N of a vm-test pull request (a lab VM rebases onto it); runs no pull-request code.",
        permissions: { packages: "write" },
        timeoutMinutes: 30,
        steps: [
          downloadArtifact("pr-image", "pr-image"),
          run("Push the pull request's image to GHCR", PUSH_SCRIPT, {
            id: "push",
            env: {
              IMG_FULL: "${{ vars.IMAGE_NAME }}",
              TAGS: "${{ needs.build_pr.outputs.tags }}",
              SOURCE_REF: `oci-archive:pr-image/${PR_IMAGE_ARCHIVE}`,
              REGISTRY_USER: "${{ github.actor }}",
              REGISTRY_PASSWORD: "${{ github.token }}",
            },
          }),
        ],
      }),
      sign: job({
        needs: ["build"],
        if: ON_MAIN,
        comment: "The only job that can read the cosign key: environment signing, deployable from main only.",
        environment: IMAGE_ENVIRONMENTS.signing,
        permissions: { contents: "read", packages: "write" },
        timeoutMinutes: 15,
        steps: [
          installCosign(),
          run("Sign the pushed digest", SIGN_SCRIPT, {
            env: {
              IMAGE: "${{ vars.IMAGE_NAME }}",
              DIGEST: "${{ needs.build.outputs.digest }}",
              COSIGN_PRIVATE_KEY: "${{ secrets.COSIGN_PRIVATE_KEY }}",
              COSIGN_PASSWORD: "${{ secrets.COSIGN_PASSWORD }}",
              REGISTRY_USER: "${{ github.actor }}",
              REGISTRY_PASSWORD: "${{ github.token }}",
            },
          }),
          downloadArtifact("package-list", "package-list"),
          run("Attest the package list of the pushed digest", ATTEST_SCRIPT, {
            env: {
              IMAGE: "${{ vars.IMAGE_NAME }}",
              DIGEST: "${{ needs.build.outputs.digest }}",
              COSIGN_PRIVATE_KEY: "${{ secrets.COSIGN_PRIVATE_KEY }}",
              COSIGN_PASSWORD: "${{ secrets.COSIGN_PASSWORD }}",
            },
          }),
        ],
      }),
    },
  };
}
