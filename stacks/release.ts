// The release stack (docs/stacks.md): the stable Promotion, one IaItem per ISO and the website's
// LATEST_ISO_DATE, from the release state release pull requests edit. It holds no secret: its
// previews run a pull request's own code, and read the registry, IA and the site anonymously.
import * as pulumi from "@pulumi/pulumi";
import { ConfigEntry, parseReleaseStackConfig, ReleaseStackConfig } from "../config/release-stack";
import { PROJECT, readingConfig } from "../config/stack";
import { Release } from "../components/release/release";

export function releaseStack() {
  const config = readReleaseStackConfig();
  const release = new Release("release", {
    release: config.release,
    image: config.image,
    siteRepository: config.siteRepository,
    siteApiUrl: config.siteApiUrl,
    insecureRegistry: config.insecureRegistry,
    cosignPublicKey: config.cosignPublicKey,
  });
  return {
    stableDigest: release.stableDigest,
    datedTags: release.datedTags,
    iaUrls: release.iaUrls,
    latestIsoDate: release.latestIsoDate,
  };
}

function readReleaseStackConfig(): ReleaseStackConfig {
  // isConfigSecret is how pulumi.Config itself knows a value was `secure:` in the stack file.
  const runtime = pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean };
  if (typeof runtime.isConfigSecret !== "function")
    throw new pulumi.RunError("@pulumi/pulumi no longer exposes runtime.isConfigSecret; the release stack cannot prove it holds no secret");
  const entries: ConfigEntry[] = Object.entries(pulumi.runtime.allConfig()).map(([key, value]) => ({ key, value, secret: runtime.isConfigSecret!(key) }));
  return readingConfig(() => parseReleaseStackConfig(PROJECT, entries));
}
