// What the declared release state turns into, as plain values (no resources): the stable
// promotion's tags, one IA item per ISO release, the site's date. Tested as tables without mocks;
// components/release/release.ts registers the resources.
import { TagGrammar } from "../../grammar/values";
import { IsoRelease, latestIso, ReleaseState, stableBootDate, StableRelease } from "../../config/release-state";
import { endpointsFromEnv, itemDetailsUrl } from "../../providers/ia/endpoints";

export interface StablePlan {
  readonly image: string;
  readonly digest: string;
  /** stable, stable.YYYYMMDD, YYYYMMDD of the boot date (handbook 11.1). */
  readonly tags: string[];
  readonly evidence: StableRelease["evidence"];
  readonly rollback: boolean;
}

export interface IsoPlan {
  readonly date: string;
  readonly identifier: string;
  readonly files: IsoRelease["files"];
  /** What publish_ia uploads with (build-disk.yml), so IaItem keeps the item's metadata in sync. */
  readonly metadata: Record<string, string>;
  readonly detailsUrl: string;
}

export interface ReleasePlan {
  readonly stable?: StablePlan;
  readonly isos: IsoPlan[];
  /** The newest ISO date: LATEST_ISO_DATE on the site. Undefined when no ISO is declared. */
  readonly latestIsoDate?: string;
}

export function releasePlan(release: ReleaseState, image: string, iaUrl = endpointsFromEnv().iaUrl): ReleasePlan {
  const stable = release.stable && {
    image,
    digest: release.stable.digest,
    tags: TagGrammar.promotionTags(stableBootDate(release.stable)),
    evidence: release.stable.evidence,
    rollback: release.stable.rollback,
  };
  const isos = release.isos.map((iso) => ({
    date: iso.date,
    identifier: iso.identifier,
    files: iso.files,
    metadata: { mediatype: "software", collection: "opensource", title: `Margine ${iso.date}` },
    detailsUrl: itemDetailsUrl({ iaUrl }, iso.identifier),
  }));
  return { stable, isos, latestIsoDate: latestIso(release)?.date };
}
