// The release state declared in the stack file, as resources (docs/release-flow.md): the
// stable Promotion with its boot evidence, one protected IaItem per ISO release, and the website's
// LATEST_ISO_DATE. Nothing is registered for what is not declared: a fresh prod stack has no
// releases and never an invented digest. The edge index and the Cloudflare redirect read the same
// config.release in their own components (one source of truth, not duplicated here).
import * as pulumi from "@pulumi/pulumi";
import { ReleaseState } from "../../config/release-state";
import { IaItem } from "../../providers/ia/ia-item";
import { Promotion } from "../../providers/oci/promotion";
import { SiteRelease } from "../../providers/site/site-release";
import { releasePlan } from "./release-plan";

export interface ReleaseArgs {
  readonly release: ReleaseState;
  /** Image name without tag, e.g. ghcr.io/daniel-g-carrasco/margine. */
  readonly image: string;
  /** `owner/name` of the website repository holding LATEST_ISO_DATE. */
  readonly siteRepository: string;
  /** GitHub REST API root for the site bump (a stand-in in tests). */
  readonly siteApiUrl?: string;
  /** Plain HTTP to a loopback registry (the engine tests); the Promotion refuses it elsewhere. */
  readonly insecureRegistry?: boolean;
  /** PEM public key the stable digest's cosign signature must verify with (cosign.pub). */
  readonly cosignPublicKey?: string;
}

export class Release extends pulumi.ComponentResource {
  readonly stableDigest: string | undefined;
  /** The tags the stable promotion writes; [] when no stable release is declared. */
  readonly datedTags: string[];
  /** IA details page per ISO release identifier. */
  readonly iaUrls: Record<string, string>;
  readonly latestIsoDate: string | undefined;
  readonly promotion: Promotion | undefined;
  readonly isoItems: IaItem[];
  readonly site: SiteRelease | undefined;

  constructor(name: string, args: ReleaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super("margine:release:Release", name, {}, opts);
    const plan = releasePlan(args.release, args.image);

    this.promotion =
      plan.stable &&
      new Promotion(
        `${name}-stable`,
        {
          image: plan.stable.image,
          digest: plan.stable.digest,
          tags: plan.stable.tags,
          evidence: plan.stable.evidence,
          rollback: plan.stable.rollback,
          ...(args.cosignPublicKey ? { cosignPublicKey: args.cosignPublicKey } : {}),
          ...(args.insecureRegistry ? { insecure: true } : {}),
        },
        { parent: this },
      );

    // IA keeps releases forever and users' torrents point at them: removing a declaration (or a
    // mistaken `pulumi destroy`) must never take an item with it.
    this.isoItems = plan.isos.map(
      (iso) =>
        new IaItem(
          `${name}-iso-${iso.date}`,
          {
            identifier: iso.identifier,
            files: iso.files.map((f) => ({ ...f })),
            metadata: iso.metadata,
          },
          { parent: this, protect: true, retainOnDelete: true },
        ),
    );

    // The site links to the IA item by date: bump it only after that item is verified.
    const latestItem = this.isoItems[plan.isos.findIndex((iso) => iso.date === plan.latestIsoDate)];
    this.site =
      plan.latestIsoDate === undefined
        ? undefined
        : new SiteRelease(
            `${name}-site`,
            {
              repository: args.siteRepository,
              latestIsoDate: plan.latestIsoDate,
              ...(args.siteApiUrl ? { apiUrl: args.siteApiUrl } : {}),
            },
            { parent: this, dependsOn: latestItem ? [latestItem] : [] },
          );

    this.stableDigest = plan.stable?.digest;
    this.datedTags = plan.stable?.tags ?? [];
    this.iaUrls = Object.fromEntries(plan.isos.map((iso) => [iso.identifier, iso.detailsUrl]));
    this.latestIsoDate = plan.latestIsoDate;
    this.registerOutputs({ stableDigest: this.stableDigest, datedTags: this.datedTags, iaUrls: this.iaUrls, latestIsoDate: this.latestIsoDate });
  }
}
