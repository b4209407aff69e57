// The scripts and constants of build-disk.yml's jobs (components/workflows/build-disk.ts).
// The deploy user on the edge VM, restricted by rrsync to the ISO directory (components/edge).
import { DEPLOY_USER as EDGE_DEPLOY_USER, RSYNC_PARTIAL_DIR } from "../edge/edge-layout";

export const ISO_DISK_CONFIG = "disk_config/iso.toml";
/** The edge keeps each ISO this long (its prune timer); IA keeps it forever. */
export const EDGE_FALLBACK_DAYS = 7;
/** How long to wait for IA to derive the torrent before publishing HTTP links only. */
export const TORRENT_WAIT_MINUTES = 25;
/** run #27166954601: IA's S3 ingest of a ~9 GB ISO ran past the old 180-minute cap. */
export const PUBLISH_IA_TIMEOUT_MINUTES = 350;
export const OUTDIR = "dist";
export const ARTIFACT = "iso";

export const RESOLVE_STABLE_SCRIPT = `# Read :stable once; the ISO is built from this digest and nothing else.
DIGEST="$(skopeo inspect --no-tags --format '{{.Digest}}' "docker://\${IMAGE}:stable")"
if [[ ! "$DIGEST" =~ ^sha256:[0-9a-f]{64}$ ]]; then
  echo "::error::\${IMAGE}:stable resolved to '\${DIGEST}', not a manifest digest"
  exit 1
fi
DATE="$(date -u +%Y%m%d)"
IDENTIFIER="margine-\${DATE}"
# One ISO release per date: the site derives its links from LATEST_ISO_DATE alone and IA items are
# kept forever, so a second run the same day must not overwrite the published ISO (its torrent and
# SHA256SUMS would change under the users). Checked before the 15-17 min build, on IA itself.
ITEM_JSON="$(mktemp)"
status="$(curl -sS --retry 3 -o "$ITEM_JSON" -w '%{http_code}' "\${IA_URL}/metadata/\${IDENTIFIER}")"
if [[ "$status" != 200 ]]; then
  echo "::error::cannot tell whether \${IDENTIFIER} exists: IA metadata API answered HTTP \${status}"
  exit 1
fi
if jq -e '(.files // []) | length > 0' "$ITEM_JSON" > /dev/null; then
  echo "::error::\${IA_URL}/details/\${IDENTIFIER} already exists and IA items are never overwritten (one ISO release per date). To finish an interrupted upload, rerun that run's failed jobs (gh run rerun --failed RUN_ID); otherwise build tomorrow."
  exit 1
fi
{
  echo "pinned=\${IMAGE}@\${DIGEST}"
  echo "date=\${DATE}"
  echo "identifier=\${IDENTIFIER}"
  echo "iso_name=\${IDENTIFIER}.iso"
} >> "$GITHUB_OUTPUT"
`;

export const BUILD_ISO_SCRIPT = `sudo podman pull "$PINNED"
mkdir -p output ${OUTDIR}
sudo podman run --rm --privileged --security-opt label=type:unconfined_t \\
  -v "$PWD/${ISO_DISK_CONFIG}:/config.toml:ro" \\
  -v "$PWD/output:/output" \\
  -v /var/lib/containers/storage:/var/lib/containers/storage \\
  "$BIB_IMAGE" --type anaconda-iso --rootfs btrfs "$PINNED"
sudo mv output/bootiso/install.iso "${OUTDIR}/\${ISO_NAME}"
sudo chown "$(id -u):$(id -g)" "${OUTDIR}/\${ISO_NAME}"
# Checksums relative to the artifact directory, never build-side paths such as bootiso/install.iso.
(cd ${OUTDIR} && sha256sum "$ISO_NAME" > SHA256SUMS)
`;

export const UPLOAD_SCRIPT = `IA_CONFIG_FILE="$RUNNER_TEMP/ia.ini"
(umask 077 && printf '%s\\n' "$IA_CONFIG_INI" > "$IA_CONFIG_FILE")
ISO="$GITHUB_WORKSPACE/${OUTDIR}/$ISO_NAME"
SUMS="$GITHUB_WORKSPACE/${OUTDIR}/SHA256SUMS"
# IA's S3 endpoint 503s routinely on multi-GB multipart uploads: retry, 60 s apart. publish-iso
# skips files IA already holds with the same md5, so a retry resumes rather than restarts.
for attempt in 1 2 3 4 5; do
  if npm run --silent publish-iso -- --identifier "$IDENTIFIER" --file "$ISO" --file "$SUMS" \\
    --meta mediatype=software --meta collection=opensource --meta "title=Margine \${DATE}" \\
    --torrent-wait "$((TORRENT_WAIT_MINUTES * 60))" --config-file "$IA_CONFIG_FILE" > "$RUNNER_TEMP/publish.json"; then
    break
  fi
  if ((attempt == 5)); then
    rm -f "$IA_CONFIG_FILE"
    echo "::error::upload of \${IDENTIFIER} failed 5 times; rerun only this job: gh run rerun --failed \${GITHUB_RUN_ID}"
    exit 1
  fi
  echo "::warning::upload attempt \${attempt} of \${IDENTIFIER} failed; retrying in 60 s"
  sleep 60
done
rm -f "$IA_CONFIG_FILE"
cat "$RUNNER_TEMP/publish.json"
# publish-iso waited (bounded) for IA's derive to produce <identifier>_archive.torrent; a slow
# derive is normal, so the release degrades to HTTP links instead of failing.
torrent="$(jq -r '.torrentUrl // empty' "$RUNNER_TEMP/publish.json")"
if [[ -z "$torrent" ]]; then
  echo "::warning::IA has not derived \${IDENTIFIER}_archive.torrent after \${TORRENT_WAIT_MINUTES} minutes; publishing HTTP links only"
fi
echo "torrent=\${torrent}" >> "$GITHUB_OUTPUT"
# The release entries without hashing the multi-GB ISO again: md5 and size as publish-iso verified
# them on IA, the ISO's sha256 from SHA256SUMS (written and checked before the upload).
files=""
while IFS=$'\t' read -r name md5 size; do
  if [[ "$name" == SHA256SUMS ]]; then
    sha="$(sha256sum "$SUMS" | cut -d' ' -f1)"
  else
    sha="$(awk -v n="$name" '$2 == n || $2 == "*" n { print $1 }' "$SUMS")"
  fi
  if [[ ! "$sha" =~ ^[0-9a-f]{64}$ ]]; then
    echo "::error::no sha256 for \${name} in SHA256SUMS"
    exit 1
  fi
  files+="\${name}:\${sha}:\${md5}:\${size} "
done < <(jq -r '.files[] | [.name, .md5, (.size | tostring)] | @tsv' "$RUNNER_TEMP/publish.json")
echo "files=\${files% }" >> "$GITHUB_OUTPUT"
`;

export const EDGE_SYNC_SCRIPT = `KEY="$RUNNER_TEMP/edge_key"
KNOWN_HOSTS="$RUNNER_TEMP/known_hosts"
(umask 077 && printf '%s\\n' "$EDGE_DEPLOY_KEY" > "$KEY" && printf '%s\\n' "$EDGE_KNOWN_HOSTS" > "$KNOWN_HOSTS")
# The deploy key may only rsync into the ISO directory (the edge's restricted command), so the
# destination is that directory's root. StrictHostKeyChecking: the host key is pinned, never learned.
# --partial-dir, not --partial: an interrupted transfer waits in the partial directory for the
# rerun to resume it, never under the final name, where nginx would serve a truncated ISO.
rsync --partial-dir=${RSYNC_PARTIAL_DIR} --times --chmod=F644 \\
  -e "ssh -p $EDGE_SSH_PORT -i $KEY -o IdentitiesOnly=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=$KNOWN_HOSTS" \\
  "$OUTDIR/$ISO_NAME" "${EDGE_DEPLOY_USER}@\${EDGE_SSH_HOST}:"
rm -f "$KEY"
`;
