// The 7-day ISO fallback (handbook 11.2): the edge keeps an ISO for a week after it was
// superseded, IA keeps it forever. A shell script run by a systemd timer as the deploy user, so
// pruning needs no root and cannot touch anything outside the ISO directory.
//
// Why "after it was superseded", not "after it was built": ISOs are monthly, so a strict 7-day
// window left the index page's edge-copy link dead about 23 days a month. The newest ISO older
// than the window therefore stays (it is what the page linked within the last 7 days), and
// every ISO older than that one goes: a link the page showed in the last 7 days still works.
import { DEPLOY_USER, EDGE_PATHS, ISO_RETENTION_DAYS, RSYNC_PARTIAL_DIR } from "./edge-layout";

/**
 * Deletes regular *.iso files (the names nginx serves) directly in the directory that are older
 * than the newest ISO past the window (mtime, to the minute: -mtime would round days down).
 * rsync's partial transfers (dot-files, its partial directory) are never served and are left to
 * resume; a partial older than the window by ctime (rsync may stamp a partial's mtime 1970) goes.
 * Symlinks are never followed.
 */
export function renderPruneScript(): string {
  return `#!/bin/sh
# Rendered by margine-pipeline (components/edge/iso-pruning.ts).
# Deletes the ISOs the edge no longer has to serve (handbook 11.2: a ${ISO_RETENTION_DAYS}-day .iso fallback;
# the Internet Archive keeps every release forever): every ISO older than the newest one that is
# past RETENTION_DAYS. That one stays, so the current release's edge copy never disappears.
# Usage: margine-prune-isos [DIR] [RETENTION_DAYS]
set -eu

dir="\${1:-${EDGE_PATHS.isoDir}}"
days="\${2:-${ISO_RETENTION_DAYS}}"

case "$days" in
  ''|*[!0-9]*) echo "margine-prune-isos: RETENTION_DAYS must be a whole number of days, got '$days'" >&2; exit 2 ;;
esac
if [ ! -d "$dir" ]; then
  echo "margine-prune-isos: no ISO directory $dir" >&2
  exit 1
fi

minutes=$((days * 24 * 60))
served='.*/[A-Za-z0-9][A-Za-z0-9._-]*[.]iso'
# The newest ISO past the window: the one the page may have linked until a newer ISO arrived.
keep=$(find "$dir" -mindepth 1 -maxdepth 1 -type f -regex "$served" -mmin "+$minutes" -printf '%T@ %p\\n' \\
  | sort -rn | head -n 1 | cut -d' ' -f2-)
if [ -n "$keep" ]; then
  find "$dir" -mindepth 1 -maxdepth 1 -type f -regex "$served" ! -newer "$keep" ! -samefile "$keep" -print -delete
fi
# Interrupted uploads wait in rsync's partial directory for the resume, and a receiver killed
# outright leaves its temporary dot-file: both are never served, and go once abandoned.
if [ -d "$dir/${RSYNC_PARTIAL_DIR}" ]; then
  find "$dir/${RSYNC_PARTIAL_DIR}" -mindepth 1 -maxdepth 1 -type f -cmin "+$minutes" -print -delete
fi
find "$dir" -mindepth 1 -maxdepth 1 -type f -name '.*.iso.*' -cmin "+$minutes" -print -delete
`;
}

export function renderPruneService(): string {
  return `# Rendered by margine-pipeline (components/edge/iso-pruning.ts).
[Unit]
Description=Prune Margine ISOs superseded more than ${ISO_RETENTION_DAYS} days ago from the edge fallback
ConditionPathIsDirectory=${EDGE_PATHS.isoDir}

[Service]
Type=oneshot
User=${DEPLOY_USER}
ExecStart=${EDGE_PATHS.pruneScript} ${EDGE_PATHS.isoDir} ${ISO_RETENTION_DAYS}
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
ReadWritePaths=${EDGE_PATHS.isoDir}
`;
}

export function renderPruneTimer(): string {
  return `# Rendered by margine-pipeline (components/edge/iso-pruning.ts).
[Unit]
Description=Prune superseded Margine ISOs from the edge fallback, hourly

[Timer]
OnCalendar=hourly
RandomizedDelaySec=10min
Persistent=true

[Install]
WantedBy=timers.target
`;
}
