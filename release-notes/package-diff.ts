// The package diff between two images' attested package lists: added, removed, upgraded,
// downgraded, with versions ordered by rpm's own rules (grammar/rpm-version.ts), so `1.0~rc1 ->
// 1.0` reads as an upgrade and an epoch bump wins over any version. Pure: no I/O.
import { compareEvr, Evr, formatEvr, parseEvr } from "../grammar/rpm-version";

export interface ListedPackage {
  readonly name: string;
  readonly evr: string;
  readonly arch: string;
}

export interface PackageChange {
  readonly name: string;
  readonly arch: string;
  /** Shown only where the name is installed for several architectures (multilib). */
  readonly showArch: boolean;
  readonly from?: string;
  readonly to?: string;
}

export interface PackageDiff {
  readonly added: readonly PackageChange[];
  readonly removed: readonly PackageChange[];
  readonly upgraded: readonly PackageChange[];
  readonly downgraded: readonly PackageChange[];
  readonly unchanged: number;
  readonly fromCount: number;
  readonly toCount: number;
}

/** The number of packages that changed in any way. */
export function changedCount(diff: PackageDiff): number {
  return diff.added.length + diff.removed.length + diff.upgraded.length + diff.downgraded.length;
}

function evrOf(p: ListedPackage): Evr {
  const parsed = parseEvr(p.evr);
  // A version rpm would not print is compared as a bare version string rather than dropped.
  return "problem" in parsed ? { epoch: 0, version: p.evr } : parsed;
}

const shown = (p: ListedPackage) => formatEvr(evrOf(p));

/** Packages by `name.arch`, each with its versions sorted oldest first (gpg-pubkey, kernels: several at once). */
function byKey(list: readonly ListedPackage[]): Map<string, ListedPackage[]> {
  const map = new Map<string, ListedPackage[]>();
  for (const p of list) map.set(`${p.name}.${p.arch}`, [...(map.get(`${p.name}.${p.arch}`) ?? []), p]);
  for (const versions of map.values()) versions.sort((a, b) => compareEvr(evrOf(a), evrOf(b)));
  return map;
}

export function diffPackages(from: readonly ListedPackage[], to: readonly ListedPackage[]): PackageDiff {
  const before = byKey(from);
  const after = byKey(to);
  const arches = new Map<string, Set<string>>();
  for (const p of [...from, ...to]) arches.set(p.name, (arches.get(p.name) ?? new Set()).add(p.arch));
  const change = (p: ListedPackage, fields: { from?: string; to?: string }): PackageChange => ({
    name: p.name,
    arch: p.arch,
    showArch: (arches.get(p.name)?.size ?? 0) > 1,
    ...fields,
  });
  const added: PackageChange[] = [];
  const removed: PackageChange[] = [];
  const upgraded: PackageChange[] = [];
  const downgraded: PackageChange[] = [];
  let unchanged = 0;
  for (const key of new Set([...before.keys(), ...after.keys()])) {
    const old = before.get(key) ?? [];
    const now = after.get(key) ?? [];
    if (old.length === 1 && now.length === 1) {
      const order = compareEvr(evrOf(old[0]), evrOf(now[0]));
      if (order === 0) unchanged++;
      else (order < 0 ? upgraded : downgraded).push(change(now[0], { from: shown(old[0]), to: shown(now[0]) }));
      continue;
    }
    // Several versions on a side: compare as sets, version by version.
    const same = (a: ListedPackage, b: ListedPackage) => compareEvr(evrOf(a), evrOf(b)) === 0;
    for (const p of old) if (!now.some((q) => same(p, q))) removed.push(change(p, { from: shown(p) }));
    for (const p of now) if (!old.some((q) => same(p, q))) added.push(change(p, { to: shown(p) }));
    unchanged += now.filter((p) => old.some((q) => same(p, q))).length;
  }
  const byName = (a: PackageChange, b: PackageChange) => (a.name === b.name ? a.arch.localeCompare(b.arch) : a.name < b.name ? -1 : 1);
  return {
    added: added.sort(byName),
    removed: removed.sort(byName),
    upgraded: upgraded.sort(byName),
    downgraded: downgraded.sort(byName),
    unchanged,
    fromCount: from.length,
    toCount: to.length,
  };
}
