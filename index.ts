// Composition root: stack config -> components -> stack outputs. Keep it short: each area lives
// in components/ (declared infrastructure) or providers/ (dynamic resources).
import * as tls from "@pulumi/tls";
import { readStackConfig, splitRepository } from "./config/stack";
import { imageRepositorySettings } from "./components/github/image-repository";
import { pipelineRepositorySettings } from "./components/github/pipeline-repository";
import { RepositorySettings } from "./components/github/repository-settings";
import { SiteDeployHook } from "./components/github/site-deploy-hook";
import { GhcrPackage } from "./providers/ghcr/ghcr-package";

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

export const imageRepositorySecrets = imageRepository.secretNames;
export const pipelineRepositorySecrets = pipelineRepository.secretNames;
export const edgeDeployPublicKey = edgeDeployKey.publicKeyOpenssh;
export const siteDeployHookSecret = siteDeployHook.secret;
export const packageSettingsUrl = ghcrPackage.settingsUrl;
export const imageOwner = splitRepository(config.imageRepository).owner;
