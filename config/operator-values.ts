// The platform stack's values only its operator can supply: secrets, and a few that are not secret
// but cannot be invented. Offline synth fills each with a placeholder and a warning that prints
// its description, so a description says where the value comes from.

/** Secret config keys (`pulumi config set --secret KEY`), with what each one is for. */
export const SECRET_KEYS = {
  releasePrToken: "fine-grained PAT, Contents+Pull requests write on the pipeline repository (RELEASE_PR_TOKEN)",
  iaAccessKey: "Internet Archive S3 access key (https://archive.org/account/s3.php)",
  iaSecretKey: "Internet Archive S3 secret key",
  cosignPrivateKey: "cosign.key (encrypted private key) whose public half is margine-image/cosign.pub",
  cosignPassword: "the password of cosign.key",
  edgeSshPrivateKey: "private key of the edge VM's admin account that Pulumi deploys with",
  registryWriteToken: "PAT with write:packages that release.yml's up job moves the stable tags with (REGISTRY_PASSWORD)",
} as const;
export type SecretKey = keyof typeof SECRET_KEYS;

/**
 * Secrets the handbook lets a release go without: no SITE_BUMP_TOKEN means the website's
 * LATEST_ISO_DATE bump is skipped with a warning, not a failed release.
 */
export const OPTIONAL_SECRET_KEYS = {
  siteBumpToken: "fine-grained PAT, Contents+Pull requests write on the site repository only (SITE_BUMP_TOKEN)",
  ntfyToken: "ntfy access token with write access to watchNtfy.topic, if the topic is protected (NTFY_TOKEN)",
} as const;
export type OptionalSecretKey = keyof typeof OPTIONAL_SECRET_KEYS;

/** Values that are not secret but that only the operator knows (a pinned SSH host key cannot be invented). */
export const OPERATOR_KEYS = {
  edgeHostKey: "the edge VM's SSH host public key, e.g. `ssh-keyscan -t ed25519 HOST | cut -d' ' -f2-`",
  edgeAddress: "the edge VM's public IPv4 address (A records of the site and files hosts), e.g. 203.0.113.7",
  toolsRef: "the full commit of this repository whose CLIs the image workflows run (jobs that hold secrets never run a moving main), e.g. `git rev-parse HEAD`",
} as const;
