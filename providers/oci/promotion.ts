// Promotion: the stable tags of an image moved to one booted digest, as a resource, so that
// `pulumi preview` on a release PR shows `stable: sha256:old => sha256:new` (docs/release-flow.md).
// The provider is thin: validation in promotion-inputs.ts, the decision in promotion-plan.ts, the
// registry work in tag-promotion.ts over the protocol client.
import * as pulumi from "@pulumi/pulumi";
import { parseImageName, utcDateStamp } from "../../grammar/values";
import { registryCredentials } from "./credentials";
import { readImageFacts } from "./image-facts";
import { promotionInputFailures } from "./promotion-inputs";
import { RegistryClient } from "./registry-client";
import { SignatureVerification, verifyImageSignature } from "./signature-verification";
import { promoteTags, resolveTags } from "./tag-promotion";

export interface PromotionEvidence {
  readonly bootRun: string;
  readonly bootedAt: string;
}

export interface PromotionInputs {
  readonly image: string;
  readonly digest: string;
  readonly tags: string[];
  readonly evidence: PromotionEvidence;
  readonly rollback?: boolean;
  readonly insecure?: boolean;
  /**
   * PEM public key (the image repository's cosign.pub): the digest's cosign signature must verify
   * with it before any tag moves. The policy pack requires it on every promotion of `stable`.
   */
  readonly cosignPublicKey?: string;
  /**
   * Per tag, the digest it must point at. Added by check (never by the user) so that preview's diff
   * shows each tag's change against the state's observed `tagDigests`.
   */
  readonly tagDigests?: Record<string, string | null>;
  /**
   * Added by check, for the reviewer of a preview: the dated tag the digest becomes
   * (`stable.20261120 => stable.20261205` reads where two digests do not), and the image's own
   * `created` and source revision, read from its config when the registry answers.
   */
  readonly version?: string;
  readonly created?: string;
  readonly sourceRevision?: string;
}

export interface PromotionOutputs extends PromotionInputs {
  /** Where each tag points, as last observed (create/update verify it, read refreshes it). */
  readonly tagDigests: Record<string, string | null>;
  /** The promoted manifest's media type: an index stays an index. */
  readonly mediaType: string;
  /** The signature that verified before the tags moved; absent when no key was declared. */
  readonly signature?: SignatureVerification;
}

/** Tags whose digest the declaration changes, with the state's value: what preview must show. */
export function tagChanges(olds: Partial<PromotionOutputs>, news: PromotionInputs): { tag: string; from: string | null; to: string }[] {
  return news.tags
    .filter((tag) => (olds.tagDigests?.[tag] ?? null) !== news.digest)
    .map((tag) => ({ tag, from: olds.tagDigests?.[tag] ?? null, to: news.digest }));
}

// Not named `check`: see the serializer note in providers/ghcr/ghcr-package.ts.
function rollbackFailure(olds: Partial<PromotionInputs>, news: PromotionInputs): pulumi.dynamic.CheckFailure[] {
  const older = olds.evidence?.bootedAt && news.evidence?.bootedAt && Date.parse(news.evidence.bootedAt) < Date.parse(olds.evidence.bootedAt);
  if (older && olds.digest !== news.digest && news.tags.includes("stable") && !news.rollback) {
    return [
      {
        property: "rollback",
        reason: `the new digest booted at ${news.evidence.bootedAt}, before the current stable (${olds.evidence!.bootedAt}): moving stable back is a rollback; set rollback: true`,
      },
    ];
  }
  return [];
}

export class PromotionProvider implements pulumi.dynamic.ResourceProvider<PromotionInputs, PromotionOutputs> {
  // Credentials only from the environment, read at call time: the release stack holds no secret
  // (docs/stacks.md), and without them the registry is read anonymously, which is all a preview needs.
  private client(inputs: PromotionInputs): { client: RegistryClient; repository: string } {
    const { registry, repository } = parseImageName(inputs.image);
    const credentials = registryCredentials(registry, process.env);
    return { client: new RegistryClient({ registry, insecure: inputs.insecure === true, ...credentials }), repository };
  }

  /** created and sourceRevision of the digest, best effort: a preview never fails for want of them. */
  private async imageFacts(news: PromotionInputs): Promise<{ created?: string; sourceRevision?: string }> {
    const { registry, repository } = parseImageName(news.image);
    const client = new RegistryClient({ registry, insecure: news.insecure === true, ...registryCredentials(registry, process.env), maxAttempts: 1 });
    try {
      const facts = await readImageFacts(client, repository, news.digest);
      return { ...(facts.created ? { created: facts.created } : {}), ...(facts.revision ? { sourceRevision: facts.revision } : {}) };
    } catch {
      return {};
    }
  }

  async check(olds: PromotionInputs, news: PromotionInputs): Promise<pulumi.dynamic.CheckResult<PromotionInputs>> {
    const failures = promotionInputFailures(news, { requireEvidence: true });
    if (failures.length > 0) return { inputs: news, failures };
    const version = news.tags.find((t) => /^stable\.\d{8}$/.test(t));
    return {
      inputs: {
        ...news,
        rollback: news.rollback ?? false,
        insecure: news.insecure ?? false,
        tagDigests: Object.fromEntries(news.tags.map((t) => [t, news.digest])),
        ...(version ? { version } : {}),
        ...(await this.imageFacts(news)),
      },
      failures: rollbackFailure(olds ?? {}, news),
    };
  }

  async diff(_id: string, olds: PromotionOutputs, news: PromotionInputs): Promise<pulumi.dynamic.DiffResult> {
    const changed =
      tagChanges(olds, news).length > 0 ||
      olds.tags.length !== news.tags.length ||
      olds.evidence?.bootRun !== news.evidence.bootRun ||
      olds.evidence?.bootedAt !== news.evidence.bootedAt ||
      (olds.rollback ?? false) !== (news.rollback ?? false) ||
      (olds.insecure ?? false) !== (news.insecure ?? false) ||
      (olds.cosignPublicKey ?? null) !== (news.cosignPublicKey ?? null);
    // Another image is another promotion; a new digest or tag set is an update of this one.
    return { changes: changed || olds.image !== news.image, replaces: olds.image !== news.image ? ["image"] : [] };
  }

  private async promote(news: PromotionInputs, expected: Record<string, string | null>): Promise<PromotionOutputs> {
    const { client, repository } = this.client(news);
    // Before any tag moves: a failure throws SignatureVerificationError and nothing is written.
    const signature = news.cosignPublicKey
      ? await verifyImageSignature(client, { image: news.image, repository, digest: news.digest, publicKey: news.cosignPublicKey })
      : undefined;
    const result = await promoteTags(client, {
      image: news.image,
      repository,
      digest: news.digest,
      tags: news.tags,
      expected,
      rollback: news.rollback ?? false,
      bootDate: utcDateStamp(new Date(news.evidence.bootedAt)),
    });
    return {
      ...news,
      tagDigests: Object.fromEntries(result.tags.map((t) => [t.tag, t.after])),
      mediaType: result.mediaType,
      ...(signature ? { signature } : {}),
    };
  }

  async create(inputs: PromotionInputs): Promise<pulumi.dynamic.CreateResult<PromotionOutputs>> {
    return { id: `${inputs.image}@${inputs.digest}`.slice(0, 200), outs: await this.promote(inputs, {}) };
  }

  async update(_id: string, olds: PromotionOutputs, news: PromotionInputs): Promise<pulumi.dynamic.UpdateResult<PromotionOutputs>> {
    // Expect every tag the state knows where the state last saw it: a tag moved by hand since
    // (and not refreshed) is a conflict, and nothing moves.
    const expected = Object.fromEntries(news.tags.filter((t) => olds.tagDigests && t in olds.tagDigests).map((t) => [t, olds.tagDigests[t]]));
    return { outs: await this.promote(news, expected) };
  }

  async read(id: string, props?: PromotionOutputs): Promise<pulumi.dynamic.ReadResult<PromotionOutputs>> {
    if (!props) throw new Error(`Promotion ${id}: import is not supported; declare the promotion in the stack config instead`);
    const { client, repository } = this.client(props);
    return { id, props: { ...props, tagDigests: await resolveTags(client, repository, props.tags) } };
  }

  async delete(id: string): Promise<void> {
    // Tags are history and clients track :stable: removing the declaration moves and deletes nothing.
    console.error(`Promotion ${id}: removed from the stack only; the registry tags were left untouched`);
  }
}

export interface PromotionArgs {
  readonly image: pulumi.Input<string>;
  readonly digest: pulumi.Input<string>;
  readonly tags: pulumi.Input<pulumi.Input<string>[]>;
  readonly evidence: pulumi.Input<{ bootRun: pulumi.Input<string>; bootedAt: pulumi.Input<string> }>;
  readonly rollback?: pulumi.Input<boolean>;
  /** Plain HTTP, loopback registries only (tests). */
  readonly insecure?: pulumi.Input<boolean>;
  /** PEM public key the digest's cosign signature must verify with (stack config cosignPublicKey). */
  readonly cosignPublicKey?: pulumi.Input<string>;
}

export class Promotion extends pulumi.dynamic.Resource {
  /** Per tag, the digest it points at (preview shows the change, refresh shows hand-made drift). */
  declare readonly tagDigests: pulumi.Output<Record<string, string | null>>;
  declare readonly mediaType: pulumi.Output<string>;
  declare readonly signature: pulumi.Output<SignatureVerification | undefined>;
  declare readonly digest: pulumi.Output<string>;
  declare readonly tags: pulumi.Output<string[]>;
  /** The dated stable tag this digest becomes, e.g. stable.20261205. */
  declare readonly version: pulumi.Output<string | undefined>;
  declare readonly created: pulumi.Output<string | undefined>;
  declare readonly sourceRevision: pulumi.Output<string | undefined>;

  constructor(name: string, args: PromotionArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      new PromotionProvider(),
      name,
      {
        rollback: false,
        insecure: false,
        ...args,
        tagDigests: undefined,
        mediaType: undefined,
        signature: undefined,
        version: undefined,
        created: undefined,
        sourceRevision: undefined,
      },
      opts,
      "margine",
      "Promotion",
    );
  }
}
