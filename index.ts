// Composition root: stack config -> components -> stack outputs. Keep it short: each area lives
// in components/ (declared infrastructure) or providers/ (dynamic resources).
import * as tls from "@pulumi/tls";
import { readStackConfig } from "./config/stack";
import { imageRepositorySettings } from "./components/github/image-repository";
import { pipelineRepositorySettings } from "./components/github/pipeline-repository";
import { RepositorySettings } from "./components/github/repository-settings";
import { SiteDeployHook } from "./components/github/site-deploy-hook";
import { GhcrPackage } from "./providers/ghcr/ghcr-package";
import { Workflows } from "./components/workflows/workflows";
import { CloudflareZone } from "./components/cloudflare/cloudflare-zone";
import { requireEdgeAddress, zoneHosts } from "./components/cloudflare/hosts";
import { EdgeServer } from "./components/edge/edge-server";
import { Release } from "./components/release/release";

const config = readStackConfig();

// The edge deploy key: the public half may only rsync into the ISO directory on the edge VM, the
// private half is the EDGE_DEPLOY_KEY secret of the build-disk edge_sync job.
const edgeDeployKey = new tls.PrivateKey("edge-deploy-key", { algorithm: "ED25519" });

const imageRepository = new RepositorySettings("image-repo", imageRepositorySettings({
  config,
  edgeDeployPrivateKey: edgeDeployKey.privateKeyOpenssh,
}));
const pipelineRepository = new RepositorySettings("pipeline-repo", pipelineRepositorySettings(config));
const siteDeployHook = new SiteDeployHook("site-deploy", { repository: config.siteRepository, url: config.siteDeployHookUrl });

const [, owner, ...packagePath] = config.image.split("/");
const ghcrPackage = new GhcrPackage("ghcr-package", {
  owner,
  name: packagePath.join("/"),
  expectedVisibility: "public",
  expectedRepository: config.imageRepository,
});

// Cloudflare in front, the edge VM behind it (DNS, rules, origin certificate; nginx, deploy user, pruning).
const hosts = zoneHosts(config);
const cloudflareZone = new CloudflareZone("cloudflare", { hosts, edgeAddress: requireEdgeAddress(config.edge), release: config.release });
new EdgeServer("edge", {
  edge: config.edge,
  adminPrivateKey: config.secrets.edgeSshPrivateKey,
  filesHost: hosts.filesHost,
  fallbackHost: hosts.fallbackHost,
  release: config.release,
  cloudflareCidrs: cloudflareZone.cloudflareCidrs,
  deployPublicKey: edgeDeployKey.publicKeyOpenssh,
  originCertificatePem: cloudflareZone.originCertificatePem,
  originPrivateKeyPem: cloudflareZone.originPrivateKeyPem,
}, { dependsOn: [cloudflareZone] });

// Generated workflows, committed to the image repository and to this one (release.yml).
const workflows = new Workflows("workflows", { config });

// Releases as resources: the stable Promotion, one IaItem per ISO, the website's LATEST_ISO_DATE.
const release = new Release("release", config);

export const imageRepositorySecrets = imageRepository.secretNames;
export const pipelineRepositorySecrets = pipelineRepository.secretNames;
export const edgeDeployPublicKey = edgeDeployKey.publicKeyOpenssh;
export const isoFallbackHost = hosts.fallbackHost;
export const siteDeployHookSecret = siteDeployHook.secret;
export const packageSettingsUrl = ghcrPackage.settingsUrl;
export const workflowFiles = workflows.files;
export const stableDigest = release.stableDigest;
export const datedTags = release.datedTags;
export const iaUrls = release.iaUrls;
export const latestIsoDate = release.latestIsoDate;
