// The platform stack (docs/stacks.md): the GitHub side of both repositories, the generated
// workflows, the GHCR package, Cloudflare and the edge VM. It holds every admin credential and is
// applied by a maintainer; it reads, never changes, the release state of the release stack.
import * as tls from "@pulumi/tls";
import { readStackConfig } from "../config/stack";
import { parseImageName } from "../grammar/values";
import { imageRepositorySettings } from "../components/github/image-repository";
import { pipelineRepositorySettings } from "../components/github/pipeline-repository";
import { RepositorySettings } from "../components/github/repository-settings";
import { SiteDeployHook } from "../components/github/site-deploy-hook";
import { GhcrPackage } from "../providers/ghcr/ghcr-package";
import { Workflows } from "../components/workflows/workflows";
import { CloudflareZone } from "../components/cloudflare/cloudflare-zone";
import { requireEdgeAddress, zoneHosts } from "../components/cloudflare/hosts";
import { EdgeServer } from "../components/edge/edge-server";

export function platformStack() {
  const config = readStackConfig();

  // The edge deploy key: the public half may only rsync into the ISO directory on the edge VM, the
  // private half is the EDGE_DEPLOY_KEY secret of the build-disk edge_sync job.
  const edgeDeployKey = new tls.PrivateKey("edge-deploy-key", { algorithm: "ED25519" });

  const imageRepository = new RepositorySettings(
    "image-repo",
    imageRepositorySettings({
      config,
      edgeDeployPrivateKey: edgeDeployKey.privateKeyOpenssh,
    }),
  );
  const pipelineRepository = new RepositorySettings("pipeline-repo", pipelineRepositorySettings(config));
  const siteDeployHook = new SiteDeployHook("site-deploy", { repository: config.siteRepository, url: config.siteDeployHookUrl });

  const { owner, name: packageName } = parseImageName(config.image);
  const ghcrPackage = new GhcrPackage("ghcr-package", {
    owner,
    name: packageName,
    expectedVisibility: "public",
    expectedRepository: config.imageRepository,
  });

  // Cloudflare in front, the edge VM behind it (DNS, rules, origin certificate; nginx, deploy user, pruning).
  const hosts = zoneHosts(config);
  const cloudflareZone = new CloudflareZone("cloudflare", { hosts, edgeAddress: requireEdgeAddress(config.edge), release: config.release });
  new EdgeServer(
    "edge",
    {
      edge: config.edge,
      adminPrivateKey: config.secrets.edgeSshPrivateKey,
      filesHost: hosts.filesHost,
      siteHost: hosts.siteHost,
      fallbackHost: hosts.fallbackHost,
      release: config.release,
      cloudflareCidrs: cloudflareZone.cloudflareCidrs,
      deployPublicKey: edgeDeployKey.publicKeyOpenssh,
      originCertificatePem: cloudflareZone.originCertificatePem,
      originPrivateKeyPem: cloudflareZone.originPrivateKeyPem,
    },
    { dependsOn: [cloudflareZone] },
  );

  // Generated workflows, committed to the image repository and to this one (release.yml).
  const workflows = new Workflows("workflows", { config });

  return {
    imageRepositorySecrets: imageRepository.secretNames,
    pipelineRepositorySecrets: pipelineRepository.secretNames,
    edgeDeployPublicKey: edgeDeployKey.publicKeyOpenssh,
    isoFallbackHost: hosts.fallbackHost,
    siteDeployHookSecret: siteDeployHook.secret,
    packageSettingsUrl: ghcrPackage.settingsUrl,
    workflowFiles: workflows.files,
  };
}
