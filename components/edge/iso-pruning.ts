// The 7-day ISO fallback (handbook 11.2): the edge keeps an ISO for a week after it was built
// (rsync -a keeps the build's mtime), IA keeps it forever. A shell script run by a systemd timer
// as the deploy user, so pruning needs no root and cannot touch anything outside the ISO directory.
import { DEPLOY_USER, EDGE_PATHS, ISO_RETENTION_DAYS } from "./edge-layout";

/**
 * Deletes regular *.iso files directly in the directory whose mtime is more than RETENTION_DAYS
 * days old (find -mmin, to the minute: -mtime would round days down). Dot-files are rsync's
 * partial transfers and are left alone; symlinks are never followed.
 */
export function renderPruneScript(): string {
  return `#!/bin/sh
# Rendered by margine-pipeline (components/edge/iso-pruning.ts).
# Deletes the ISOs the edge no longer has to serve: older than RETENTION_DAYS (handbook 11.2:
# a ${ISO_RETENTION_DAYS}-day .iso fallback; the Internet Archive keeps every release forever).
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
find "$dir" -mindepth 1 -maxdepth 1 -type f -name '*.iso' ! -name '.*' -mmin "+$minutes" -print -delete
`;
}

export function renderPruneService(): string {
  return `# Rendered by margine-pipeline (components/edge/iso-pruning.ts).
[Unit]
Description=Prune Margine ISOs older than ${ISO_RETENTION_DAYS} days from the edge fallback
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
Description=Prune Margine ISOs older than ${ISO_RETENTION_DAYS} days, hourly

[Timer]
OnCalendar=hourly
RandomizedDelaySec=10min
Persistent=true

[Install]
WantedBy=timers.target
`;
}
