// The scripts of build.yml's jobs (components/workflows/build.ts): push with one captured digest,
// sign and attest that digest, record its package list, resolve the base image.
import { COSIGN_VERSION, signFormatFlags } from "./cosign";
import { OCI_LABELS } from "../../providers/oci/image-facts";
import { RPM_PACKAGES_PREDICATE } from "../../providers/oci/package-attestation";

export const PUSH_SCRIPT = `# --digestfile is the load-bearing flag: the digest of the first push is captured once and every
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

export const SIGN_SCRIPT = `# Sign by digest, never by tag: a tag can move between sign and verify. --recursive also signs each
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
export const ATTEST_SCRIPT = `cosign attest --yes --key env://COSIGN_PRIVATE_KEY --type "${RPM_PACKAGES_PREDICATE}" ${signFormatFlags(COSIGN_VERSION)
  .map((f) => `${f} `)
  .join("")}\\
  --predicate "package-list/${PACKAGE_LIST_FILE}" "\${IMAGE}@\${DIGEST}"
`;

export const PR_IMAGE_ARCHIVE = "image.oci.tar";

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

export const SAVE_PR_IMAGE_SCRIPT = `sudo skopeo copy "$SOURCE_REF" "oci-archive:$RUNNER_TEMP/${PR_IMAGE_ARCHIVE}"
sudo chown "$(id -u)" "$RUNNER_TEMP/${PR_IMAGE_ARCHIVE}"
`;
